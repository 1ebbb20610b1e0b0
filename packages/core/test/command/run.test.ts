import { afterEach, expect, test } from "bun:test"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import path from "node:path"
import { record, tempProject, testEngine } from "@tandem/testing/fixture"
import { lastToolResults, lastUser } from "@tandem/testing/script"
import { CommandExecuted } from "../../src/command/events"
import { SessionError } from "../../src/session/events"
import { TaskDelivered } from "../../src/task/events"
import { SUBTASK_FOLLOW_UP } from "../../src/command/subtask"
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

test("a command's template, arguments filled in, is sent as a prompt with its agent; command.executed follows", async () => {
  const { engine, directory } = setup({
    responder: (request) => ({ text: `did: ${lastUser(request)}` }),
    config: { command: { fix: { template: "Fix $1 in $2", description: "fix one", agent: "plan" } } },
  })
  const session = engine.store.createSession({ directory })
  const executed = record(engine.bus, CommandExecuted)
  const reply = await engine.commands.run(session.id, { command: "fix", arguments: "bug main.ts", agent: "build" })
  if ("refused" in reply) throw new Error(reply.message)
  expect(reply.info).toMatchObject({ role: "assistant", agent: "plan" })
  expect(reply.parts.find((p) => p.type === "text")).toMatchObject({ text: "did: Fix bug in main.ts" })
  const user = engine.store.messages(session.id)[0]!
  expect(user.info).toMatchObject({ role: "user", agent: "plan" })
  expect(executed).toEqual([{ name: "fix", sessionID: session.id, arguments: "bug main.ts", messageID: reply.info.id }])
})

test("an unknown command is refused with the names of the known ones, and nothing is written", async () => {
  const { engine, directory } = setup({ responder: () => ({ text: "no" }) })
  const session = engine.store.createSession({ directory })
  const errors = record(engine.bus, SessionError)
  const reply = await engine.commands.run(session.id, { command: "nope", arguments: "" })
  expect(reply).toMatchObject({ refused: "command", message: expect.stringContaining("init") })
  expect(errors).toMatchObject([{ sessionID: session.id, error: { name: "UnknownError" } }])
  expect(engine.store.messages(session.id)).toHaveLength(0)
})

test("a subtask command runs as a task call in a child session, then the session's model goes on", async () => {
  const { engine, directory, calls } = setup({
    responder: (request) => {
      if (lastUser(request).startsWith("Audit")) return { text: "child found 3 issues" }
      if (lastUser(request) === SUBTASK_FOLLOW_UP) return { text: `parent read: ${lastToolResults(request).length}` }
      return { text: "unexpected" }
    },
    config: { command: { audit: { template: "Audit $ARGUMENTS", agent: "general", subtask: true } } },
  })
  const session = engine.store.createSession({ directory })
  const executed = record(engine.bus, CommandExecuted)
  const reply = await engine.commands.run(session.id, { command: "audit", arguments: "src/", agent: "build" })
  if ("refused" in reply) throw new Error(reply.message)
  const messages = engine.store.messages(session.id)
  expect(messages.map((m) => m.info.role)).toEqual(["user", "assistant", "user", "assistant"])
  expect(messages[0]!.info).toMatchObject({ agent: "build" })
  expect(messages[0]!.parts).toMatchObject([
    { type: "subtask", agent: "general", prompt: "Audit src/", command: "audit" },
  ])
  const task = messages[1]!.parts[0] as ToolPart
  expect(messages[1]!.info).toMatchObject({ agent: "general", finish: "tool-calls" })
  expect(task).toMatchObject({ tool: "task", state: { status: "completed", input: { subagent_type: "general" } } })
  expect(task.state.status === "completed" && task.state.output).toContain("child found 3 issues")
  const [child] = engine.store.children(session.id)
  expect(child).toBeDefined()
  expect(task.state.status === "completed" && task.state.metadata.sessionId).toBe(child!.id)
  expect(messages[2]!.parts).toMatchObject([{ type: "text", text: SUBTASK_FOLLOW_UP, synthetic: true }])
  // The parent's model sees the task call and its result before the follow-up.
  const parentCall = calls.find((call) => lastUser(call) === SUBTASK_FOLLOW_UP)!
  expect(parentCall.messages.some((m) => m.toolCalls?.[0]?.name === "task")).toBe(true)
  expect(reply.parts.find((p) => p.type === "text")).toMatchObject({ text: "parent read: 0" })
  expect(executed).toHaveLength(1)
  expect(executed[0]!.messageID).toBe(reply.info.id)
})

test("/init asks the model to write AGENTS.md for the project, with what the user typed", async () => {
  const { engine, directory, calls } = setup({
    responder: (request) => {
      if (lastToolResults(request).length) return { text: "Wrote AGENTS.md." }
      const asked = lastUser(request)
      if (!asked.includes("AGENTS.md")) return { text: "not asked" }
      return {
        toolCalls: [
          {
            name: "write",
            input: { filePath: "AGENTS.md", content: `# Agents\n${asked.includes("bun") ? "Use bun." : ""}\n` },
          },
        ],
      }
    },
  })
  writeFileSync(path.join(directory, "package.json"), "{}")
  const session = engine.store.createSession({ directory })
  const reply = await engine.commands.run(session.id, { command: "init", arguments: "mention bun" })
  if ("refused" in reply) throw new Error(reply.message)
  expect(lastUser(calls[0]!)).toContain(directory)
  expect(existsSync(path.join(directory, "AGENTS.md"))).toBe(true)
  expect(readFileSync(path.join(directory, "AGENTS.md"), "utf8")).toContain("Use bun.")
  expect(reply.parts.find((p) => p.type === "text")).toMatchObject({ text: "Wrote AGENTS.md." })
})

test("!`command` in a template is replaced by its output when the bash rules allow it, by a refusal note otherwise", async () => {
  const { engine, directory } = setup({
    responder: (request) => ({ text: lastUser(request) }),
    config: {
      permission: { bash: { "rm *": "deny", "git *": "ask" } },
      command: { status: { template: "Files: !`ls`\nGone: !`rm keep.txt`\nAsk: !`git status`\nArgs: $1" } },
    },
  })
  writeFileSync(path.join(directory, "keep.txt"), "x")
  const session = engine.store.createSession({ directory })
  const reply = await engine.commands.run(session.id, { command: "status", arguments: "one" })
  if ("refused" in reply) throw new Error(reply.message)
  const text = (reply.parts.find((p) => p.type === "text") as { text: string }).text
  expect(text).toStartWith("Files: keep.txt\n")
  expect(text).toContain("Gone: [command not run: the bash permission rules do not allow `rm keep.txt`")
  expect(text).toContain("Ask: [command not run")
  expect(text).toEndWith("Args: one")
  expect(existsSync(path.join(directory, "keep.txt"))).toBe(true)
})

test("@path in a template attaches the project's file or directory for the model to read; other names stay text", async () => {
  const root = tempProject()
  mkdirSync(path.join(root, "project"))
  writeFileSync(path.join(root, "out.txt"), "outside")
  const { engine, directory, calls } = setup({
    directory: path.join(root, "project"),
    responder: () => ({ text: "read" }),
    config: { command: { explain: { template: "Explain @src/a.ts and @docs, not @missing.txt nor @../out.txt." } } },
  })
  mkdirSync(path.join(directory, "src"))
  mkdirSync(path.join(directory, "docs"))
  writeFileSync(path.join(directory, "src", "a.ts"), "export const answer = 42\n")
  writeFileSync(path.join(directory, "docs", "guide.md"), "# Guide\n")
  const session = engine.store.createSession({ directory })
  const reply = await engine.commands.run(session.id, { command: "explain", arguments: "" })
  if ("refused" in reply) throw new Error(reply.message)
  const user = engine.store.messages(session.id)[0]!
  expect(user.parts.map((p) => p.type)).toEqual(["text", "file", "text", "file", "text"])
  expect(user.parts[1]).toMatchObject({ type: "file", mime: "text/plain", filename: "src/a.ts" })
  expect(user.parts[3]).toMatchObject({ type: "file", mime: "application/x-directory", filename: "docs" })
  const sent = calls[0]!.messages.at(-1)!.text
  expect(sent).toContain("export const answer = 42")
  expect(sent).toContain("guide.md")
  expect(sent).not.toContain("outside")
})

test("/review runs as a sub-agent with the session's agent and passes on what to review", async () => {
  const { engine, directory } = setup({
    responder: (request) => {
      const asked = lastUser(request)
      if (asked.startsWith("Review code changes")) return { text: `reviewed ${asked.includes("Input: HEAD~1")}` }
      return { text: `parent: ${request.messages.some((m) => m.toolResults?.[0]?.output.includes("reviewed true"))}` }
    },
  })
  const session = engine.store.createSession({ directory })
  const reply = await engine.commands.run(session.id, { command: "review", arguments: "HEAD~1", agent: "build" })
  if ("refused" in reply) throw new Error(reply.message)
  expect(reply.parts.find((p) => p.type === "text")).toMatchObject({ text: "parent: true" })
  expect(engine.store.children(session.id)).toMatchObject([{ agent: "build" }])
})

test("aborting the session during a subtask command stops its child; no follow-up, no command.executed, the loop stays idle", async () => {
  const childCalled = Promise.withResolvers<void>()
  const { engine, directory, calls } = setup({
    responder: async (request) => {
      childCalled.resolve()
      await new Promise((resolve) => request.signal?.addEventListener("abort", resolve))
      return { text: "never" }
    },
    config: { command: { slow: { template: "Slow $ARGUMENTS", agent: "general", subtask: true } } },
  })
  const session = engine.store.createSession({ directory })
  const executed = record(engine.bus, CommandExecuted)
  const running = engine.commands.run(session.id, { command: "slow", arguments: "job", agent: "build" })
  await childCalled.promise
  expect(await engine.commands.run(session.id, { command: "slow", arguments: "again" })).toMatchObject({
    refused: "busy",
  })
  engine.sessions.abort(session.id)
  const reply = await running
  if ("refused" in reply) throw new Error(reply.message)
  const messages = engine.store.messages(session.id)
  expect(messages.map((m) => m.info.role)).toEqual(["user", "assistant"])
  expect(messages[1]!.parts[0]).toMatchObject({ tool: "task", state: { status: "error" } })
  expect(calls).toHaveLength(1)
  expect(engine.status.get(session.id)).toEqual({ type: "idle" })
  expect(executed).toEqual([])
})

test("a subtask command's call moved to the background follows its task: running, then completed", async () => {
  const childCalled = Promise.withResolvers<void>()
  const release = Promise.withResolvers<void>()
  const { engine, directory } = setup({
    responder: async (request) => {
      if (lastUser(request).startsWith("Audit")) {
        childCalled.resolve()
        await release.promise
        return { text: "child found 3 issues" }
      }
      return { text: "parent goes on" }
    },
    config: { command: { audit: { template: "Audit $ARGUMENTS", agent: "general", subtask: true } } },
  })
  const session = engine.store.createSession({ directory })
  const running = engine.commands.run(session.id, { command: "audit", arguments: "src/", agent: "build" })
  await childCalled.promise
  expect(engine.subagents.moveToBackground(session.id)).toBe(1)
  const reply = await running
  if ("refused" in reply) throw new Error(reply.message)
  const call = () => engine.store.messages(session.id)[1]!.parts[0] as ToolPart
  expect(call().state).toMatchObject({ status: "running", metadata: { background: true, state: "running" } })
  const delivered = engine.bus.once(TaskDelivered)
  release.resolve()
  await delivered
  expect(call().state).toMatchObject({ status: "completed", metadata: { state: "completed" } })
})
