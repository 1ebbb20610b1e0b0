import { afterAll, afterEach, expect, test } from "bun:test"
import { createEngine, type Engine } from "../../src/engine"
import { startScriptedServer } from "@tandem/testing/scripted-server"
import { scriptedProviderConfig, tempProject } from "@tandem/testing/fixture"
import { lastUser, type Turn } from "@tandem/testing/script"
import { MessageError } from "../../src/session/message-error"
import type { AssistantMessage } from "../../src/session/message"

// Each way a model call ends badly, through the scripted HTTP server and the real
// openai-compatible adapter, is stored as opencode's named error with that variant's own data.

const plans = new Map<string, Turn>()
const model = startScriptedServer({ responder: (request) => plans.get(lastUser(request)) ?? { text: "ok" } })
const engines: Engine[] = []
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close()
})
afterAll(() => model.stop())

async function failWith(said: string, turn: Turn) {
  const directory = tempProject()
  const engine = createEngine({
    directory,
    dbFile: ":memory:",
    // Compaction off: an overflow would otherwise be compacted and retried instead of standing as the error.
    config: scriptedProviderConfig(model.url, {
      compaction: { auto: false },
      tandem: { title: false, retry: { attempts: 1 } },
    }),
  })
  engines.push(engine)
  plans.set(said, turn)
  const session = engine.store.createSession({ directory })
  const reply = await engine.runner.prompt(session.id, { parts: [{ type: "text", text: said }] })
  const error = (reply.info as AssistantMessage).error
  expect(MessageError.safeParse(error).success).toBe(true)
  return error
}

test("a provider error status is an APIError with its status, retryability, headers and body", async () => {
  const body = JSON.stringify({ error: { message: "the upstream is unhappy" } })
  const error = await failWith("api", { fault: { status: 422, body } })
  expect(error).toMatchObject({
    name: "APIError",
    data: { statusCode: 422, isRetryable: false, responseBody: body, responseHeaders: expect.any(Object) },
  })
})

test("401 and 403 are a ProviderAuthError naming the provider", async () => {
  for (const status of [401, 403]) {
    const error = await failWith(`auth${status}`, { fault: { status, body: '{"error":{"message":"bad key"}}' } })
    expect(error).toMatchObject({ name: "ProviderAuthError", data: { providerID: "local" } })
    expect(error!.data.message).toContain("bad key")
  }
})

test("a prompt longer than the context window is a ContextOverflowError with the provider's answer", async () => {
  const body = JSON.stringify({
    error: { message: "This model's maximum context length is 8192 tokens", code: "context_length_exceeded" },
  })
  const error = await failWith("overflow", { fault: { status: 400, body } })
  expect(error).toMatchObject({ name: "ContextOverflowError", data: { responseBody: body } })
  expect(error!.data.message).toContain("maximum context length")
})

test("an answer cut off at the output limit is a MessageOutputLengthError", async () => {
  const error = await failWith("long", { text: "a very long answer that", finish: "length" })
  expect(error?.name).toBe("MessageOutputLengthError")
})
