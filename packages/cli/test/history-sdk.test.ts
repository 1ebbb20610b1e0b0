import { afterAll, expect, test } from "bun:test"
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import path from "node:path"
import { createOpencodeClient } from "@opencode-ai/sdk/v2"
import { startScriptedServer } from "@tandem/testing/scripted-server"
import { scriptedProject } from "@tandem/testing/fixture"
import { gate, lastToolResults, lastUser, type ScriptRequest } from "@tandem/testing/script"
import { startServe } from "./serve-process"

// Undo, redo, diff and fork through opencode's own SDK against `tandem serve` as a real process,
// with a scripted model that writes files: each prompt "write NAME CONTENT" reads NAME, writes it.
const arrived = Promise.withResolvers<void>()
const held = gate()

async function writer(request: ScriptRequest) {
  if (!request.tools.length) return { text: "A title" }
  if (lastUser(request) === "hold") {
    arrived.resolve()
    await held.promise
    return { text: "released" }
  }
  const [verb, name, content] = lastUser(request).split(" ")
  if (verb !== "write") return { text: `echo ${lastUser(request)}` }
  const done = lastToolResults(request)[0]?.name
  if (done === "write") return { text: `wrote ${name}` }
  if (done === "read") return { toolCalls: [{ name: "write", input: { filePath: name, content } }] }
  return { toolCalls: [{ name: "read", input: { filePath: name } }] }
}

const model = startScriptedServer({ responder: writer })
const children: Awaited<ReturnType<typeof startServe>>["child"][] = []
afterAll(async () => {
  for (const child of children) {
    child.kill("SIGTERM")
    await child.exited
  }
  await model.stop()
})

async function serveProject(extra = {}) {
  const directory = scriptedProject(model.url, extra)
  const served = await startServe(directory)
  children.push(served.child)
  return { directory, client: createOpencodeClient({ baseUrl: served.url }) }
}

const text = (value: string) => ({ parts: [{ type: "text" as const, text: value }] })
const read = (directory: string, name: string) =>
  existsSync(path.join(directory, name)) ? readFileSync(path.join(directory, name), "utf8") : undefined

test("session.revert, unrevert, diff and fork through the SDK against tandem serve", async () => {
  const { directory, client } = await serveProject()
  writeFileSync(path.join(directory, "a.txt"), "one\n")
  const sessionID = (await client.session.create({})).data!.id
  const events = await client.event.subscribe()
  const announced = (async () => {
    for await (const event of events.stream)
      if (event.type === "session.diff" && event.properties.sessionID === sessionID && event.properties.diff.length)
        return event.properties.diff
  })()
  await client.session.prompt({ sessionID, ...text("write a.txt two") })
  expect(await announced).toEqual([expect.objectContaining({ file: "a.txt", status: "modified" })])
  await client.session.prompt({ sessionID, ...text("write b.txt new") })
  expect(read(directory, "a.txt")).toBe("two")
  const users = (await client.session.messages({ sessionID })).data!.filter((m) => m.info.role === "user")
  const [first, second] = users.map((m) => m.info.id)

  // The parts opencode's clients read: snapshots on the steps, a patch naming the changed file.
  const all = (await client.session.messages({ sessionID })).data!
  const written = all.find((m) => m.parts.some((part) => part.type === "patch"))!
  const patch = written.parts.find((part) => part.type === "patch")
  expect(patch).toMatchObject({ type: "patch", files: [path.join(directory, "a.txt")] })
  expect(written.parts.find((part) => part.type === "step-start")).toMatchObject({
    snapshot: patch?.type === "patch" ? patch.hash : "",
  })
  expect(written.parts.find((part) => part.type === "step-finish")).toMatchObject({ snapshot: expect.any(String) })

  const turn = await client.session.diff({ sessionID, messageID: first })
  expect(turn.data).toEqual([
    expect.objectContaining({ file: "a.txt", status: "modified", additions: 1, deletions: 1 }),
  ])
  expect((await client.session.diff({ sessionID })).data!.map((d) => d.file)).toEqual(["a.txt", "b.txt"])

  const reverted = await client.session.revert({ sessionID, messageID: second! })
  expect(reverted.data!.revert).toMatchObject({ messageID: second, snapshot: expect.any(String) })
  expect(read(directory, "b.txt")).toBeUndefined()
  expect(read(directory, "a.txt")).toBe("two")
  expect((await client.session.diff({ sessionID })).data!.map((d) => d.file)).toEqual(["a.txt"])

  const restored = await client.session.unrevert({ sessionID })
  expect(restored.data!.revert).toBeUndefined()
  expect(read(directory, "b.txt")).toBe("new")

  // Revert the whole session, then prompt: the hidden turns are gone for good.
  await client.session.revert({ sessionID, messageID: first! })
  expect(read(directory, "a.txt")).toBe("one\n")
  await client.session.prompt({ sessionID, ...text("hello") })
  const after = (await client.session.messages({ sessionID })).data!
  expect(after.map((m) => m.info.role)).toEqual(["user", "assistant"])
  expect(after[1]!.parts.find((part) => part.type === "text")).toMatchObject({ text: "echo hello" })
  expect((await client.session.get({ sessionID })).data!.revert).toBeUndefined()

  // Fork at the user message: a new session with what came before it, newest id first.
  await client.session.prompt({ sessionID, ...text("again") })
  const last = (await client.session.messages({ sessionID })).data!.filter((m) => m.info.role === "user").at(-1)!
  const fork = (await client.session.fork({ sessionID, messageID: last.info.id })).data!
  expect(fork.id < sessionID).toBe(true)
  const forked = (await client.session.messages({ sessionID: fork.id })).data!
  expect(forked.map((m) => m.info.role)).toEqual(["user", "assistant"])
  expect(forked.every((m) => m.info.sessionID === fork.id)).toBe(true)
  expect((await client.session.list({})).data!.map((s) => s.id)).toContain(fork.id)
}, 60_000)

test("revert while the session is busy is refused with a clear error; snapshot: false keeps files as they are", async () => {
  const { directory, client } = await serveProject({ snapshot: false })
  const sessionID = (await client.session.create({})).data!.id
  await client.session.prompt({ sessionID, ...text("write c.txt kept") })
  const messageID = (await client.session.messages({ sessionID })).data![0]!.info.id
  const reverted = await client.session.revert({ sessionID, messageID })
  expect(reverted.data!.revert).toMatchObject({ messageID })
  expect(read(directory, "c.txt")).toBe("kept")
  expect(
    (await client.session.messages({ sessionID })).data!.flatMap((m) => m.parts).some((p) => p.type === "patch"),
  ).toBe(false)
  const missing = await client.session.revert({ sessionID, messageID: "msg_000000000000none" })
  expect(missing.response.status).toBe(404)

  await client.session.promptAsync({ sessionID, ...text("hold") })
  await arrived.promise
  const busy = await client.session.revert({ sessionID, messageID })
  expect(busy.response.status).toBe(409)
  expect(busy.error).toMatchObject({ name: "SessionBusyError", data: { message: expect.stringContaining("busy") } })
  expect((await client.session.unrevert({ sessionID })).response.status).toBe(409)
  held.release()
}, 60_000)
