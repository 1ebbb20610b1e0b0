import { afterAll, afterEach, expect, test } from "bun:test"
import { createEngine, type Engine } from "../../src/engine"
import { startScriptedServer } from "@tandem/testing/scripted-server"
import { scriptedProviderConfig, tempProject, record } from "@tandem/testing/fixture"
import { lastToolResults, lastUser, type Turn } from "@tandem/testing/script"
import { SessionStatusChanged } from "../../src/session/events"
import { TaskDelivered } from "../../src/task/events"
import type { AssistantMessage } from "../../src/session/message"

// Provider faults through the scripted HTTP server and the real openai-compatible adapter:
// retried with back-off and a visible retry status, then stored as an error on the message.

const plans = new Map<string, Turn[]>()
const model = startScriptedServer({
  responder: (request) => {
    const said = lastUser(request)
    const key = said.startsWith("CHILD") ? said : said.split(" ")[0]!
    const plan = plans.get(key)
    if (said.startsWith("bg") && lastToolResults(request).length)
      return { text: `parent saw: ${lastToolResults(request).at(-1)!.output}` }
    if (said.startsWith("bg"))
      return {
        toolCalls: [
          {
            name: "task",
            input: { description: "flaky", prompt: "CHILD flaky", subagent_type: "general", background: true },
          },
        ],
      }
    return plan?.shift() ?? { text: `ok: ${said}` }
  },
})
const engines: Engine[] = []
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close()
})
afterAll(() => model.stop())

function setup(retry: Record<string, number> = {}, background: Record<string, number> = {}) {
  const directory = tempProject()
  const engine = createEngine({
    directory,
    dbFile: ":memory:",
    config: scriptedProviderConfig(model.url, {
      tandem: {
        title: false,
        retry: { attempts: 4, initial_delay_ms: 1, max_delay_ms: 5, ...retry },
        background: { coalesce_ms: 0, ...background },
      },
    }),
  })
  engines.push(engine)
  return { engine, session: engine.store.createSession({ directory }) }
}

const ask = (engine: Engine, sessionID: string, text: string) =>
  engine.runner.prompt(sessionID, { parts: [{ type: "text", text }] })
const text = (reply: { parts: { type: string }[] }) =>
  (reply.parts.find((p) => p.type === "text") as { text: string } | undefined)?.text

test("429 with retry-after, 500, a reset connection, a truncated and a malformed stream are retried, each visibly", async () => {
  const faults: Turn[] = [
    { fault: { status: 429, retryAfter: 0 } },
    { fault: { status: 500 } },
    { fault: { reset: true } },
    { text: "half of an answer that breaks off", fault: { truncate: true } },
    { fault: { malformed: true } },
  ]
  for (const [i, fault] of faults.entries()) {
    const { engine, session } = setup()
    plans.set(`f${i}`, [fault])
    const statuses = record(engine.bus, SessionStatusChanged)
    const reply = await ask(engine, session.id, `f${i} please`)
    expect(text(reply)).toBe(`ok: f${i} please`)
    const retries = statuses.filter((s) => s.status.type === "retry")
    expect(retries).toHaveLength(1)
    expect(retries[0]!.status).toMatchObject({ type: "retry", attempt: 1, next: expect.any(Number) })
    const assistants = engine.store.messages(session.id).filter((m) => m.info.role === "assistant")
    expect(assistants).toHaveLength(1)
    expect((assistants[0]!.info as AssistantMessage).error).toBeUndefined()
  }
})

test("a retry-after header sets the wait", async () => {
  const { engine, session } = setup({ max_delay_ms: 1 })
  plans.set("wait", [{ fault: { status: 503, retryAfter: 1 } }])
  const statuses = record(engine.bus, SessionStatusChanged)
  const before = Date.now()
  await ask(engine, session.id, "wait")
  const retry = statuses.find((s) => s.status.type === "retry")!.status as { next: number }
  expect(retry.next - before).toBeGreaterThanOrEqual(1000)
})

test("when every attempt fails the error is stored on the message", async () => {
  const { engine, session } = setup({ attempts: 3 })
  plans.set("down", [{ fault: { status: 503 } }, { fault: { status: 503 } }, { fault: { status: 503 } }])
  const statuses = record(engine.bus, SessionStatusChanged)
  const reply = await ask(engine, session.id, "down")
  expect((reply.info as AssistantMessage).error).toMatchObject({ name: "APIError", data: { statusCode: 503 } })
  expect(statuses.filter((s) => s.status.type === "retry")).toHaveLength(2)
  expect(engine.status.get(session.id)).toEqual({ type: "idle" })
})

test("a client error is not retried", async () => {
  const { engine, session } = setup()
  plans.set("bad", [{ fault: { status: 400, body: JSON.stringify({ error: { message: "bad request body" } }) } }])
  const statuses = record(engine.bus, SessionStatusChanged)
  const reply = await ask(engine, session.id, "bad")
  expect((reply.info as AssistantMessage).error?.data.message).toContain("bad request body")
  expect(statuses.filter((s) => s.status.type === "retry")).toHaveLength(0)
})

test("a stalled stream times out and is retried", async () => {
  const { engine, session } = setup({ idle_timeout_ms: 200 })
  plans.set("stall", [{ text: "a b c d e f g h", chunkDelayMs: 2000 }])
  const reply = await ask(engine, session.id, "stall")
  expect(text(reply)).toBe("ok: stall")
})

test("a background child whose provider keeps failing delivers an error result", async () => {
  const { engine, session } = setup({ attempts: 2 })
  plans.set("CHILD flaky", [{ fault: { status: 500 } }, { fault: { status: 502 } }])
  const delivered = engine.bus.once(TaskDelivered)
  await ask(engine, session.id, "bg")
  await delivered
  const [task] = engine.background.list(session.id)
  expect(task).toMatchObject({ state: "error", error: expect.stringContaining("502") })
  await engine.runner.settle()
  const last = engine.store.messages(session.id).at(-1)!
  expect(text(last)).toContain('state="error"')
})

test("a provider that accepts the call and never sends headers is abandoned, retried, then failed", async () => {
  const { engine, session } = setup({ attempts: 2, headers_timeout_ms: 150 })
  plans.set("mute", [{ fault: { silent: true } }, { fault: { silent: true } }])
  const statuses = record(engine.bus, SessionStatusChanged)
  const reply = await ask(engine, session.id, "mute")
  expect((reply.info as AssistantMessage).error?.data.message).toContain("no response headers for 150 ms")
  expect(statuses.filter((s) => s.status.type === "retry")).toHaveLength(1)
  expect(engine.status.get(session.id)).toEqual({ type: "idle" })
})

test("a background child stuck on a silent provider fails and frees its slot for the next", async () => {
  const { engine, session } = setup({ attempts: 1, headers_timeout_ms: 150 }, { max_running: 1 })
  plans.set("CHILD flaky", [{ fault: { silent: true } }, { text: "second child fine" }])
  const both = new Promise<void>((resolve) => {
    let count = 0
    engine.bus.on(TaskDelivered, () => ++count === 2 && resolve())
  })
  await ask(engine, session.id, "bg")
  await ask(engine, session.id, "bg again")
  await both
  const states = engine.background.list(session.id).map((task) => task.state)
  expect(states).toEqual(["error", "completed"])
})

test("a provider nobody answers at is named, with the address tried, in the error and in each retry", async () => {
  const closed = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() })
  const url = `http://127.0.0.1:${closed.port}/v1`
  await closed.stop(true)
  const directory = tempProject()
  const engine = createEngine({
    directory,
    dbFile: ":memory:",
    config: scriptedProviderConfig(url, { tandem: { title: false, retry: { attempts: 2, initial_delay_ms: 1 } } }),
  })
  engines.push(engine)
  const session = engine.store.createSession({ directory })
  const statuses = record(engine.bus, SessionStatusChanged)
  const reply = await ask(engine, session.id, "anyone there?")
  const retries = statuses.flatMap(({ status }) => (status.type === "retry" ? [status.message] : []))
  expect(retries).toEqual([
    expect.stringContaining(`cannot reach provider "local" (model scripted) at ${url}/chat/completions`),
  ])
  const message = (reply.info as AssistantMessage).error?.data.message ?? ""
  expect(message).toContain('cannot reach provider "local" (model scripted)')
  expect(message).toContain(`at ${url}/chat/completions`)
})
