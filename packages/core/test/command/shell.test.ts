import { afterEach, expect, test } from "bun:test"
import { existsSync, writeFileSync } from "node:fs"
import path from "node:path"
import { testEngine } from "@tandem/testing/fixture"
import { gate, lastUser, queue } from "@tandem/testing/script"
import { SHELL_NOTE } from "../../src/command/shell"
import { MessageUpdated, PartUpdated } from "../../src/session/events"
import { PermissionAsked } from "../../src/permission/permission"
import type { ToolPart } from "../../src/session/message"

const engines: { close(): Promise<void> }[] = []
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close()
})

function setup(input: Parameters<typeof testEngine>[0]) {
  const harness = testEngine(input)
  engines.push(harness.engine)
  return harness
}

test("a shell command runs as a completed bash part under a user message, and the model sees it next turn", async () => {
  const { engine, directory, calls } = setup({ responder: queue([(request) => ({ text: `ok ${lastUser(request)}` })]) })
  writeFileSync(path.join(directory, "hello.txt"), "hi there\n")
  const session = engine.store.createSession({ directory })
  const parts: ToolPart[] = []
  engine.bus.on(PartUpdated, ({ part }) => {
    if (part.type === "tool") parts.push(part)
  })
  const messages: string[] = []
  engine.bus.on(MessageUpdated, ({ info }) => messages.push(info.role))

  const result = await engine.commands.shell(session.id, { agent: "build", command: "cat hello.txt" })
  if ("refused" in result) throw new Error(result.message)
  expect(result.info).toMatchObject({ role: "assistant", agent: "build", providerID: "scripted", modelID: "test" })
  expect(result.info.time).toHaveProperty("completed")
  const part = result.parts[0] as ToolPart
  expect(part).toMatchObject({ type: "tool", tool: "bash" })
  expect(part.state).toMatchObject({
    status: "completed",
    input: { command: "cat hello.txt" },
    output: "hi there\n",
    metadata: { exit: 0, output: "hi there\n" },
  })
  expect(parts[0]!.state.status).toBe("running")
  expect(parts.at(-1)!.state.status).toBe("completed")
  expect(messages).toEqual(expect.arrayContaining(["user", "assistant"]))

  const stored = engine.store.messages(session.id)
  expect(stored.map((m) => m.info.role)).toEqual(["user", "assistant"])
  expect(stored[0]!.parts).toMatchObject([{ type: "text", text: SHELL_NOTE, synthetic: true }])
  expect(engine.status.get(session.id)).toEqual({ type: "idle" })
  // No model call for the command itself; the next prompt carries the call and its output.
  expect(calls).toHaveLength(0)
  await engine.runner.prompt(session.id, { parts: [{ type: "text", text: "and?" }] })
  expect(calls[0]!.messages).toMatchObject([
    { role: "user", text: SHELL_NOTE },
    { role: "assistant", toolCalls: [{ name: "bash", input: { command: "cat hello.txt" } }] },
    { role: "tool", toolResults: [{ name: "bash", output: "hi there\n" }] },
    { role: "user", text: "and?" },
  ])
})

test("a command the bash rules deny is recorded as refused and never runs", async () => {
  const { engine, directory } = setup({
    responder: queue([]),
    config: { permission: { bash: { "touch *": "deny" } } },
  })
  const session = engine.store.createSession({ directory })
  const result = await engine.commands.shell(session.id, { agent: "build", command: "touch made.txt" })
  if ("refused" in result) throw new Error(result.message)
  expect(result.parts[0]).toMatchObject({
    tool: "bash",
    state: { status: "error", input: { command: "touch made.txt" } },
  })
  expect((result.parts[0] as ToolPart).state).toHaveProperty("error", expect.stringContaining("denied"))
  expect(existsSync(path.join(directory, "made.txt"))).toBe(false)
})

test("an ask rule asks the user on the shell's own part; a rejection refuses the command", async () => {
  const { engine, directory } = setup({ responder: queue([]), config: { permission: { bash: { "touch *": "ask" } } } })
  const session = engine.store.createSession({ directory })
  const asked = Promise.withResolvers<{ id: string; tool?: { messageID: string; callID: string } }>()
  engine.bus.on(PermissionAsked, (request) => asked.resolve(request))
  const running = engine.commands.shell(session.id, { agent: "build", command: "touch made.txt" })
  const request = await asked.promise
  engine.permissions.reply(request.id, "reject")
  const result = await running
  if ("refused" in result) throw new Error(result.message)
  const part = result.parts[0] as ToolPart
  expect(request.tool).toEqual({ messageID: part.messageID, callID: part.callID })
  expect(part.state.status).toBe("error")
  expect(existsSync(path.join(directory, "made.txt"))).toBe(false)
})

test("a busy session refuses a shell command; a prompt sent during one is answered after it", async () => {
  const held = gate()
  const called = gate()
  const { engine, directory, calls } = setup({
    responder: queue([
      async () => {
        called.release()
        await held.promise
        return { text: "first" }
      },
      { text: "second" },
    ]),
  })
  const session = engine.store.createSession({ directory })
  const first = engine.runner.prompt(session.id, { parts: [{ type: "text", text: "one" }] })
  await called.promise
  const refused = await engine.commands.shell(session.id, { agent: "build", command: "echo hi" })
  expect(refused).toMatchObject({ refused: "busy" })
  held.release()
  await first

  const marker = path.join(directory, "marker")
  const shell = engine.commands.shell(session.id, { agent: "build", command: `echo done > ${marker}` })
  const prompt = engine.runner.prompt(session.id, { parts: [{ type: "text", text: "two" }] })
  expect(engine.status.get(session.id)).toEqual({ type: "busy" })
  expect(await shell).toMatchObject({ parts: [{ state: { status: "completed" } }] })
  expect(existsSync(marker)).toBe(true)
  const reply = await prompt
  expect(reply.parts.find((p) => p.type === "text")).toMatchObject({ text: "second" })
  expect(calls[1]!.messages.some((m) => m.toolResults?.[0]?.name === "bash")).toBe(true)
})

test("aborting the session stops a running shell command and records what it printed", async () => {
  const { engine, directory } = setup({ responder: queue([]) })
  const session = engine.store.createSession({ directory })
  const started = Promise.withResolvers<void>()
  engine.bus.on(PartUpdated, ({ part }) => {
    if (part.type === "tool" && part.state.status === "running" && part.state.metadata?.output) started.resolve()
  })
  const running = engine.commands.shell(session.id, { agent: "build", command: "echo begun; sleep 30" })
  await started.promise
  engine.sessions.abort(session.id)
  const result = await running
  if ("refused" in result) throw new Error(result.message)
  const part = result.parts[0] as ToolPart
  expect(part.state.status).toBe("error")
  expect(part.state).toHaveProperty("error", expect.stringContaining("begun"))
  expect(engine.status.get(session.id)).toEqual({ type: "idle" })
})
