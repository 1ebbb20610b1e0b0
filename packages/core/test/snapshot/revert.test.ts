import { afterEach, expect, test } from "bun:test"
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import path from "node:path"
import { testEngine, record } from "@tandem/testing/fixture"
import { lastToolResults, lastUser, type Responder } from "@tandem/testing/script"
import type { Engine } from "../../src/engine"
import type { PatchPart } from "../../src/session/message"
import { SessionDiff } from "../../src/snapshot/events"

const engines: Engine[] = []
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close()
})

/** Each prompt "write NAME CONTENT" reads the file (writes need that), writes it, then answers "wrote NAME". */
const writer: Responder = (request) => {
  const [verb, name, content] = lastUser(request).split(" ")
  if (verb !== "write") return { text: "ok" }
  const done = lastToolResults(request)[0]?.name
  if (done === "write") return { text: `wrote ${name}` }
  if (done === "read") return { toolCalls: [{ name: "write", input: { filePath: name, content: content ?? "" } }] }
  return { toolCalls: [{ name: "read", input: { filePath: name } }] }
}

function setup(responder: Responder = writer, config: Parameters<typeof testEngine>[0]["config"] = {}) {
  const harness = testEngine({ responder, config })
  engines.push(harness.engine)
  const session = harness.engine.store.createSession({ directory: harness.directory })
  return { ...harness, session }
}

const say = (text: string) => ({ parts: [{ type: "text" as const, text }] })
const read = (directory: string, name: string) =>
  existsSync(path.join(directory, name)) ? readFileSync(path.join(directory, name), "utf8") : undefined

test("a step that changes files records its snapshots and a patch part naming the files", async () => {
  const { engine, directory, session } = setup()
  writeFileSync(path.join(directory, "a.txt"), "one\n")
  await engine.runner.prompt(session.id, say("write a.txt two"))
  const [, reading, first, second] = engine.store.messages(session.id)
  expect(reading!.parts.map((part) => part.type)).toEqual(["step-start", "tool", "step-finish"])
  // A step that only read took no snapshot: nothing it ran could change a file.
  expect(reading!.parts.some((part) => "snapshot" in part)).toBe(false)
  expect(first!.parts.map((part) => part.type)).toEqual(["step-start", "tool", "step-finish", "patch"])
  const start = first!.parts[0]!
  const finish = first!.parts[2]!
  const patch = first!.parts[3] as PatchPart
  expect(start.type === "step-start" && start.snapshot).toMatch(/^[0-9a-f]{40}$/)
  expect(finish.type === "step-finish" && finish.snapshot).toMatch(/^[0-9a-f]{40}$/)
  expect(patch).toMatchObject({
    hash: (start as { snapshot: string }).snapshot,
    files: [path.join(directory, "a.txt")],
  })
  // The answering step ran no tool: no snapshot, no patch.
  expect(second!.parts.map((part) => part.type)).toEqual(["step-start", "text", "step-finish"])
  // The store is Tandem's own: the project did not become a git repository.
  expect(existsSync(path.join(directory, ".git"))).toBe(false)
})

test("revert restores the files and hides the turn; unrevert brings both back", async () => {
  const { engine, directory, session } = setup()
  writeFileSync(path.join(directory, "a.txt"), "one")
  await engine.runner.prompt(session.id, say("write a.txt two"))
  await engine.runner.prompt(session.id, say("write b.txt new"))
  const diffs = record(engine.bus, SessionDiff)
  const second = engine.store.messages(session.id).filter((m) => m.info.role === "user")[1]!
  const first = engine.store.messages(session.id).filter((m) => m.info.role === "user")[0]!

  const reverted = await engine.history.revert(session.id, { messageID: first.info.id })
  expect(reverted).toMatchObject({ revert: { messageID: first.info.id } })
  expect(read(directory, "a.txt")).toBe("one")
  expect(read(directory, "b.txt")).toBeUndefined()
  expect(engine.store.getSession(session.id)!.revert!.diff).toContain("-two")
  expect(diffs.at(-1)).toEqual({ sessionID: session.id, diff: [] })

  // Moving the revert point later: the files of the first turn come back, the second stays undone.
  await engine.history.revert(session.id, { messageID: second.info.id })
  expect(read(directory, "a.txt")).toBe("two")
  expect(read(directory, "b.txt")).toBeUndefined()

  const back = await engine.history.unrevert(session.id)
  expect(back).not.toHaveProperty("revert")
  expect(read(directory, "a.txt")).toBe("two")
  expect(read(directory, "b.txt")).toBe("new")
  expect(engine.store.messages(session.id)).toHaveLength(8)
})

test("the next prompt after a revert deletes the hidden messages for good, and the model never sees them", async () => {
  const { engine, directory, session } = setup()
  await engine.runner.prompt(session.id, say("write a.txt first"))
  await engine.runner.prompt(session.id, say("write b.txt second"))
  const users = engine.store.messages(session.id).filter((m) => m.info.role === "user")
  await engine.history.revert(session.id, { messageID: users[1]!.info.id })
  expect(read(directory, "b.txt")).toBeUndefined()

  const reply = await engine.runner.prompt(session.id, say("hello"))
  expect(reply.parts.find((part) => part.type === "text")).toMatchObject({ text: "ok" })
  const texts = engine.store
    .messages(session.id)
    .filter((m) => m.info.role === "user")
    .map((m) => m.parts.map((part) => (part.type === "text" ? part.text : "")).join(""))
  expect(texts).toEqual(["write a.txt first", "hello"])
  expect(engine.store.getSession(session.id)!.revert).toBeUndefined()
  // Nothing to unrevert any more: b.txt stays gone.
  await engine.history.unrevert(session.id)
  expect(read(directory, "b.txt")).toBeUndefined()
})

test("reverting from a part keeps the message's earlier parts; the next prompt removes only the tail", async () => {
  const { engine, session } = setup((request) =>
    lastToolResults(request).length
      ? { text: "done" }
      : { text: "before the call", toolCalls: [{ name: "write", input: { filePath: "c.txt", content: "x" } }] },
  )
  await engine.runner.prompt(session.id, say("go"))
  const assistant = engine.store.messages(session.id)[1]!
  const tool = assistant.parts.find((part) => part.type === "tool")!
  await engine.history.revert(session.id, { messageID: assistant.info.id, partID: tool.id })
  expect(engine.store.getSession(session.id)!.revert).toMatchObject({ messageID: assistant.info.id, partID: tool.id })
  await engine.runner.prompt(session.id, say("again"))
  const kept = engine.store.messages(session.id)[1]!
  expect(kept.info.id).toBe(assistant.info.id)
  expect(kept.parts.map((part) => part.type)).toEqual(["step-start", "text"])
})

test("the diff of a turn and of the session, per file; session.diff follows a step that changed files", async () => {
  const { engine, directory, session } = setup()
  writeFileSync(path.join(directory, "a.txt"), "one\n")
  const announced = engine.bus.once(SessionDiff, (event) => event.sessionID === session.id && event.diff.length > 0)
  await engine.runner.prompt(session.id, say("write a.txt two"))
  expect((await announced).diff).toMatchObject([{ file: "a.txt", status: "modified", additions: 1, deletions: 1 }])
  await engine.runner.prompt(session.id, say("write b.txt new"))
  const users = engine.store.messages(session.id).filter((m) => m.info.role === "user")
  const turn = await engine.history.diff(session.id, users[0]!.info.id)
  expect(turn).toEqual([expect.objectContaining({ file: "a.txt", status: "modified", additions: 1, deletions: 1 })])
  const all = await engine.history.diff(session.id)
  expect(all).toMatchObject([
    { file: "a.txt", status: "modified" },
    { file: "b.txt", status: "added", additions: 1, deletions: 0 },
  ])
  expect((all as { patch: string }[])[1]!.patch).toContain("+new")
})

test("snapshot: false turns snapshots off: no snapshot fields, no patches, a revert changes no file", async () => {
  const { engine, directory, session } = setup(writer, { snapshot: false })
  await engine.runner.prompt(session.id, say("write a.txt two"))
  const parts = engine.store.messages(session.id).flatMap((m) => m.parts)
  expect(parts.some((part) => part.type === "patch")).toBe(false)
  expect(parts.some((part) => "snapshot" in part)).toBe(false)
  await engine.history.revert(session.id, { messageID: engine.store.messages(session.id)[0]!.info.id })
  expect(read(directory, "a.txt")).toBe("two")
  expect(engine.store.getSession(session.id)!.revert).toBeDefined()
})

test("revert and unrevert are refused while the session is busy, and for an unknown message", async () => {
  const { promise, resolve } = Promise.withResolvers<void>()
  const { engine, session } = setup(async () => {
    await promise
    return { text: "late" }
  })
  const running = engine.runner.prompt(session.id, say("hi"))
  const user = engine.store.messages(session.id)[0]!
  expect(await engine.history.revert(session.id, { messageID: user.info.id })).toMatchObject({ refused: "busy" })
  expect(await engine.history.unrevert(session.id)).toMatchObject({ refused: "busy" })
  resolve()
  await running
  expect(await engine.history.revert(session.id, { messageID: "msg_unknown" })).toMatchObject({ refused: "not-found" })
})
