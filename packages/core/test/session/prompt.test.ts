import { afterEach, expect, test } from "bun:test"
import { writeFileSync, readFileSync } from "node:fs"
import path from "node:path"
import { testEngine } from "@tandem/testing/fixture"
import { gate, lastToolResults, lastUser, queue } from "@tandem/testing/script"
import { PartUpdated, SessionIdle, SessionUpdated } from "../../src/session/events"
import { PermissionAsked } from "../../src/permission/permission"
import type { AssistantMessage, ToolPart } from "../../src/session/message"

const engines: { close(): Promise<void> }[] = []
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close()
})

function setup(input: Parameters<typeof testEngine>[0]) {
  const harness = testEngine(input)
  engines.push(harness.engine)
  return harness
}

const say = (text: string) => ({ parts: [{ type: "text" as const, text }] })

test("multi-step tool use: a tool call, its result fed back, a final answer, usage accounted", async () => {
  const { engine, directory, calls } = setup({
    responder: queue([
      {
        text: "Reading.",
        toolCalls: [{ name: "read", input: { filePath: "notes.txt" } }],
        usage: { input: 10, output: 5 },
      },
      (request) => ({
        text: `The file says: ${lastToolResults(request)[0]?.output.split("\n")[0]}`,
        usage: { input: 20, output: 7 },
      }),
    ]),
  })
  writeFileSync(path.join(directory, "notes.txt"), "alpha\nbeta\n")
  const session = engine.store.createSession({ directory })
  const reply = await engine.runner.prompt(session.id, say("what is in notes.txt?"))
  expect(reply.parts.find((p) => p.type === "text")).toMatchObject({ text: "The file says: 1: alpha" })
  const messages = engine.store.messages(session.id)
  expect(messages.map((m) => m.info.role)).toEqual(["user", "assistant", "assistant"])
  const first = messages[1]!
  expect(first.parts.map((p) => p.type)).toEqual(["step-start", "text", "tool", "step-finish"])
  const tool = first.parts[2] as ToolPart
  expect(tool.state).toMatchObject({ status: "completed", input: { filePath: "notes.txt" } })
  expect((first.info as AssistantMessage).finish).toBe("tool-calls")
  expect(calls[1]!.messages.at(-1)).toMatchObject({ role: "tool", toolResults: [{ name: "read" }] })
  expect(calls[0]!.tools).toEqual(
    expect.arrayContaining(["read", "write", "edit", "bash", "glob", "grep", "list", "task"]),
  )
  const info = engine.store.getSession(session.id)!
  expect(info.tokens).toMatchObject({ input: 30, output: 12 })
  expect(engine.status.get(session.id)).toEqual({ type: "idle" })
})

test("a provider error is stored on the assistant message, never thrown", async () => {
  const { engine, directory } = setup({ responder: queue([{ error: "upstream exploded" }]) })
  const session = engine.store.createSession({ directory })
  const reply = await engine.runner.prompt(session.id, say("hi"))
  const info = reply.info as AssistantMessage
  expect(info.error?.data.message).toContain("upstream exploded")
  expect(info.time.completed).toBeGreaterThan(0)
})

test("abort ends the turn with MessageAbortedError and closes running tools", async () => {
  const held = gate()
  const { engine, directory } = setup({
    responder: queue([
      { toolCalls: [{ name: "bash", input: { command: "sleep 30", description: "wait" } }] },
      async () => {
        await held.promise
        return { text: "never" }
      },
    ]),
  })
  const session = engine.store.createSession({ directory })
  const running = engine.bus.once(PartUpdated, ({ part }) => part.type === "tool" && part.state.status === "running")
  const reply = engine.runner.prompt(session.id, say("run it"))
  await running
  expect(engine.runner.abort(session.id)).toBe(true)
  const done = await reply
  expect(engine.status.get(session.id).type).toBe("idle")
  const tool = engine.store.messages(session.id)[1]!.parts.find((p) => p.type === "tool") as ToolPart
  expect(tool.state.status).toBe("error")
  expect((done.info as AssistantMessage).error?.name).toBe("MessageAbortedError")
  held.release()
})

test("the blocking task tool runs a child session with parentID and returns its final text", async () => {
  const { engine, directory } = setup({
    responder: (request) => {
      if (lastUser(request) === "CHILD") return { text: "child report: 42" }
      const results = lastToolResults(request)
      if (results.length) return { text: `parent got: ${results[0]!.output.includes("child report: 42")}` }
      return {
        toolCalls: [{ name: "task", input: { description: "Find answer", prompt: "CHILD", subagent_type: "general" } }],
      }
    },
  })
  const session = engine.store.createSession({ directory })
  const reply = await engine.runner.prompt(session.id, say("delegate"))
  expect(reply.parts.find((p) => p.type === "text")).toMatchObject({ text: "parent got: true" })
  const children = engine.store.children(session.id)
  expect(children).toHaveLength(1)
  expect(children[0]).toMatchObject({ parentID: session.id, agent: "general" })
  const tool = engine.store.messages(session.id)[1]!.parts.find((p) => p.type === "tool") as ToolPart
  expect(tool.state.status === "completed" && tool.state.output).toContain(`task_id: ${children[0]!.id}`)
})

test("subagent_depth: a child at the limit is not offered the task tool", async () => {
  const { engine, directory, calls } = setup({
    config: { subagent_depth: 1 },
    responder: (request) => {
      if (lastUser(request) === "CHILD") return { text: "leaf" }
      if (lastToolResults(request).length) return { text: "done" }
      return { toolCalls: [{ name: "task", input: { description: "d", prompt: "CHILD", subagent_type: "general" } }] }
    },
  })
  const session = engine.store.createSession({ directory })
  await engine.runner.prompt(session.id, say("go"))
  expect(calls[0]!.tools).toContain("task")
  expect(calls[1]!.tools).not.toContain("task")
})

test("an ask is published with the tool call, and a reply releases it", async () => {
  const { engine, directory } = setup({
    config: { permission: { bash: "ask" } },
    responder: queue([
      { toolCalls: [{ name: "bash", input: { command: "echo approved", description: "echo" } }] },
      (request) => ({ text: lastToolResults(request)[0]!.output }),
    ]),
  })
  const session = engine.store.createSession({ directory })
  const asked = engine.bus.once(PermissionAsked)
  const reply = engine.runner.prompt(session.id, say("run"))
  const request = await asked
  expect(request).toMatchObject({ sessionID: session.id, permission: "bash", patterns: ["echo approved"] })
  expect(request.tool?.callID).toBeTruthy()
  engine.permissions.reply(request.id, "once")
  expect((await reply).parts.find((p) => p.type === "text")).toMatchObject({
    text: expect.stringContaining("approved"),
  })
})

test("headless: an ask is refused and the model is told why", async () => {
  const { engine, directory } = setup({
    interactive: false,
    config: { permission: { edit: "ask" } },
    responder: queue([
      { toolCalls: [{ name: "write", input: { filePath: "x.txt", content: "x" } }] },
      (request) => ({ text: lastToolResults(request)[0]!.output }),
    ]),
  })
  const session = engine.store.createSession({ directory })
  const reply = await engine.runner.prompt(session.id, say("write"))
  expect(reply.parts.find((p) => p.type === "text")).toMatchObject({
    text: expect.stringContaining("nobody can answer"),
  })
  expect(() => readFileSync(path.join(directory, "x.txt"))).toThrow()
})

test("plan cannot edit, and a child never gets more than its parent", async () => {
  const { engine, directory } = setup({
    responder: (request) => {
      if (lastUser(request) === "CHILD") {
        if (lastToolResults(request).length) return { text: lastToolResults(request)[0]!.output }
        return { toolCalls: [{ name: "write", input: { filePath: "child.txt", content: "x" } }] }
      }
      if (lastToolResults(request).length) return { text: "ok" }
      return { toolCalls: [{ name: "task", input: { description: "d", prompt: "CHILD", subagent_type: "general" } }] }
    },
  })
  const session = engine.store.createSession({ directory })
  await engine.runner.prompt(session.id, { agent: "plan", ...say("go") })
  const child = engine.store.children(session.id)[0]!
  const tool = engine.store.messages(child.id)[1]!.parts.find((p) => p.type === "tool") as ToolPart
  expect(tool.state.status).toBe("error")
  expect(tool.state.status === "error" && tool.state.error).toContain("denied")
})

test("events are published after the write they announce", async () => {
  const { engine, directory } = setup({ responder: queue([{ text: "hello there" }]) })
  const session = engine.store.createSession({ directory })
  const checked: boolean[] = []
  engine.bus.on(PartUpdated, ({ part }) =>
    checked.push(engine.store.parts(part.messageID).some((p) => p.id === part.id)),
  )
  const idle = engine.bus.once(SessionIdle, (e) => e.sessionID === session.id)
  await engine.runner.prompt(session.id, say("hi"))
  await idle
  expect(checked.length).toBeGreaterThan(2)
  expect(checked.every(Boolean)).toBe(true)
})

test("the small model titles a new session", async () => {
  const { engine, directory } = setup({
    config: { tandem: { title: true } },
    responder: (request) => (request.tools.length ? { text: "answer" } : { text: "Fixing the flaky tests" }),
  })
  const session = engine.store.createSession({ directory })
  const titled = engine.bus.once(SessionUpdated, (e) => e.info.title === "Fixing the flaky tests")
  await engine.runner.prompt(session.id, say("please fix the flaky tests"))
  await titled
  expect(engine.store.getSession(session.id)?.title).toBe("Fixing the flaky tests")
})

test("task_id continues an earlier child session instead of starting a new one", async () => {
  let childCalls = 0
  const { engine, directory, calls } = setup({
    responder: (request) => {
      const said = lastUser(request)
      if (said.startsWith("CHILD")) {
        childCalls++
        return { text: `child turn ${childCalls}, history ${request.messages.filter((m) => m.role === "user").length}` }
      }
      const results = lastToolResults(request)
      if (said === "first") {
        if (results.length) return { text: results[0]!.output }
        return {
          toolCalls: [{ name: "task", input: { description: "d", prompt: "CHILD one", subagent_type: "general" } }],
        }
      }
      if (results.length) return { text: results[0]!.output }
      const earlier = /task_id: (ses_\S+)/.exec(JSON.stringify(request.messages))![1]!
      return {
        toolCalls: [
          {
            name: "task",
            input: { description: "d", prompt: "CHILD two", subagent_type: "general", task_id: earlier },
          },
        ],
      }
    },
  })
  const session = engine.store.createSession({ directory })
  await engine.runner.prompt(session.id, say("first"))
  const second = await engine.runner.prompt(session.id, say("second"))
  expect(engine.store.children(session.id)).toHaveLength(1)
  expect(second.parts.find((p) => p.type === "text")).toMatchObject({
    text: expect.stringContaining("child turn 2, history 2"),
  })
  expect(calls.length).toBeGreaterThan(4)

  const foreign = await (async () => {
    const other = setup({
      responder: queue([
        {
          toolCalls: [
            {
              name: "task",
              input: {
                description: "d",
                prompt: "CHILD",
                subagent_type: "general",
                task_id: engine.store.children(session.id)[0]!.id,
              },
            },
          ],
        },
        (request) => ({ text: lastToolResults(request)[0]!.output }),
      ]),
    })
    const s = other.engine.store.createSession({ directory: other.directory })
    return other.engine.runner.prompt(s.id, say("hijack"))
  })()
  expect(foreign.parts.find((p) => p.type === "text")).toMatchObject({
    text: expect.stringContaining("is not a task of this session"),
  })
})
