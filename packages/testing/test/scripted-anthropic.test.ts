import { createAnthropic } from "@ai-sdk/anthropic"
import { generateText, stepCountIs, streamText, tool, type ModelMessage } from "ai"
import { afterEach, describe, expect, test } from "bun:test"
import { z } from "zod"
import { lastToolResults, queue, type Responder } from "../src/script"
import { startScriptedAnthropic, type ScriptedAnthropic } from "../src/scripted-anthropic"

const thinking = { anthropic: { thinking: { type: "enabled", budgetTokens: 1024 } } }
const cached = { anthropic: { cacheControl: { type: "ephemeral" } } }

let server: ScriptedAnthropic | undefined
afterEach(async () => {
  await server?.stop()
  server = undefined
})

function start(responder: Responder, cache?: { minTokens?: number }) {
  server = startScriptedAnthropic({ responder, cache })
  return { server, model: createAnthropic({ baseURL: server.url, apiKey: "test" })("claude-sonnet-4-5") }
}

const lookup = tool({
  description: "Looks a key up.",
  inputSchema: z.object({ key: z.string() }),
  execute: async ({ key }) => `value of ${key}`,
})

type Sent = { messages: { role: string; content: { type: string; signature?: string; data?: string }[] }[] }

describe("the Anthropic adapter against the scripted Messages server", () => {
  test("a tool loop with thinking on sends the signed thinking block back first, and is accepted", async () => {
    const { server, model } = start(
      queue([
        { reasoning: "I should look the key up.", toolCalls: [{ name: "lookup", input: { key: "a" } }] },
        (request) => ({ reasoning: "Now I can answer.", text: `It is ${lastToolResults(request)[0]?.output}.` }),
      ]),
    )
    const result = streamText({
      model,
      messages: [{ role: "user", content: "What is a?" }],
      tools: { lookup },
      stopWhen: stepCountIs(3),
      maxOutputTokens: 1000,
      maxRetries: 0,
      providerOptions: thinking,
    })
    expect(await result.text).toBe("It is value of a.")
    expect(server.requests.map((r) => [r.status, r.error])).toEqual([
      [200, undefined],
      [200, undefined],
    ])
    const sent = server.requests[1]!.body as Sent & { max_tokens: number; thinking: unknown }
    expect(sent.thinking).toEqual({ type: "enabled", budget_tokens: 1024 })
    expect(sent.max_tokens).toBe(2024)
    expect(sent.messages.map((m) => [m.role, m.content.map((c) => c.type)])).toEqual([
      ["user", ["text"]],
      ["assistant", ["thinking", "tool_use"]],
      ["user", ["tool_result"]],
    ])
    expect(server.calls[1]!.messages[1]!.reasoning).toBe("I should look the key up.")
    expect(server.calls[1]!.reasoning).toEqual({ budgetTokens: 1024 })
    // The signature travels as the reasoning part's provider metadata, which the next step sends back as is.
    const [first] = await result.steps
    const reasoning = first!.content.find((part) => part.type === "reasoning")
    expect(reasoning?.providerMetadata?.anthropic?.signature).toBe(sent.messages[1]!.content[0]!.signature!)
  })

  test("redacted thinking goes back as it came", async () => {
    const { server, model } = start(
      queue([{ redactedThinking: true, toolCalls: [{ name: "lookup", input: { key: "b" } }] }, { text: "Done." }]),
    )
    const result = streamText({
      model,
      messages: [{ role: "user", content: "What is b?" }],
      tools: { lookup },
      stopWhen: stepCountIs(3),
      maxOutputTokens: 1000,
      maxRetries: 0,
      providerOptions: thinking,
    })
    expect(await result.text).toBe("Done.")
    expect(server.requests.map((r) => r.status)).toEqual([200, 200])
    const sent = server.requests[1]!.body as Sent
    expect(sent.messages[1]!.content.map((c) => c.type)).toEqual(["redacted_thinking", "tool_use"])
    const [first] = await result.steps
    const reasoning = first!.content.find((part) => part.type === "reasoning")
    expect(reasoning?.providerMetadata?.anthropic?.redactedData).toBe(sent.messages[1]!.content[0]!.data!)
  })

  test("the non-streaming path answers with the same blocks", async () => {
    const { server, model } = start(queue([{ reasoning: "Short.", text: "Hello." }]))
    const result = await generateText({
      model,
      prompt: "Hi",
      maxOutputTokens: 100,
      maxRetries: 0,
      providerOptions: thinking,
    })
    expect(result.text).toBe("Hello.")
    expect(result.reasoningText).toBe("Short.")
    expect(server.requests[0]!.accepted).toBe(true)
  })

  test("a growing conversation with cache breakpoints reads its earlier prefix from the cache", async () => {
    const { server, model } = start(queue([{ text: "First answer." }, { text: "Second answer." }]))
    const instructions = { role: "system" as const, content: "You are terse. ".repeat(40), providerOptions: cached }
    const first: ModelMessage[] = [{ role: "user", content: "First question?", providerOptions: cached }]
    const one = await generateText({ model, instructions, messages: first, maxRetries: 0 })
    const second: ModelMessage[] = [
      { role: "user", content: "First question?" },
      { role: "assistant", content: one.text },
      { role: "user", content: "Second question?", providerOptions: cached },
    ]
    const two = streamText({ model, instructions, messages: second, maxRetries: 0 })
    await two.consumeStream()
    const [a, b] = server.requests.map((r) => r.usage!)
    expect(a!.cache_read_input_tokens).toBe(0)
    expect(a!.cache_creation_input_tokens).toBeGreaterThan(150)
    expect(a!.input_tokens).toBe(0)
    // Turn two's last breakpoint is new, but turn one's breakpoint sits within the lookback before it.
    expect(b!.cache_read_input_tokens).toBe(a!.cache_creation_input_tokens)
    expect(b!.cache_creation_input_tokens).toBeGreaterThan(0)
    const usage = await two.usage
    expect(usage.inputTokenDetails.cacheReadTokens).toBe(b!.cache_read_input_tokens)
    expect(usage.inputTokenDetails.cacheWriteTokens).toBe(b!.cache_creation_input_tokens)
  })

  test("turning thinking on invalidates cached messages but not the system prompt", async () => {
    const { server, model } = start(queue([{ text: "One." }, { text: "Two." }]))
    const instructions = { role: "system" as const, content: "Stable. ".repeat(50), providerOptions: cached }
    const messages: ModelMessage[] = [{ role: "user", content: "Same question?", providerOptions: cached }]
    await generateText({ model, instructions, messages, maxRetries: 0 })
    await generateText({
      model,
      instructions,
      messages,
      maxRetries: 0,
      maxOutputTokens: 100,
      providerOptions: thinking,
    })
    const [a, b] = server.requests.map((r) => r.usage!)
    expect(b!.cache_read_input_tokens).toBeGreaterThan(0)
    expect(b!.cache_read_input_tokens).toBeLessThan(a!.cache_creation_input_tokens)
  })

  test("prefixes under the minimum are not cached", async () => {
    const { server, model } = start(queue([{ text: "One." }, { text: "Two." }]), { minTokens: 1024 })
    const messages: ModelMessage[] = [{ role: "user", content: "Short?", providerOptions: cached }]
    await generateText({ model, messages, maxRetries: 0 })
    await generateText({ model, messages, maxRetries: 0 })
    expect(server.requests.map((r) => r.usage!.cache_read_input_tokens + r.usage!.cache_creation_input_tokens)).toEqual(
      [0, 0],
    )
  })
})

const headers = { "content-type": "application/json", "x-api-key": "test", "anthropic-version": "2023-06-01" }
const user = (content: unknown) => ({ role: "user", content })
const assistant = (content: unknown) => ({ role: "assistant", content })
const use = (id: string) => ({ type: "tool_use", id, name: "lookup", input: { key: "a" } })
const result = (id: string) => ({ type: "tool_result", tool_use_id: id, content: "value" })
const text = (value: string, cache = false) => ({
  type: "text",
  text: value,
  ...(cache ? { cache_control: { type: "ephemeral" } } : {}),
})
const enabled = { type: "enabled", budget_tokens: 1024 }

type Block = { type: string; text?: string; thinking?: string; signature?: string; id?: string }
type Answer = { type?: string; content?: Block[]; error: { type: string; message: string } }

describe("rules of the Messages API", () => {
  async function post(body: Record<string, unknown>) {
    const response = await fetch(`${server!.url}/messages`, {
      method: "POST",
      headers,
      body: JSON.stringify({ model: "claude-sonnet-4-5", max_tokens: 2048, ...body }),
    })
    return { status: response.status, body: (await response.json()) as Answer }
  }

  /** A real signed thinking block and its tool call, from a non-streamed call with thinking on. */
  async function signedTurn() {
    const answer = await post({ thinking: enabled, messages: [user("go")] })
    expect(answer.status).toBe(200)
    return answer.body.content!
  }

  const cases: [string, () => Promise<Record<string, unknown>> | Record<string, unknown>, string][] = [
    ["roles alternate", () => ({ messages: [user("a"), user("b")] }), "roles must alternate"],
    ["the first message is the user's", () => ({ messages: [assistant("a"), user("b")] }), "first message"],
    ["max_tokens is required", () => ({ max_tokens: undefined, messages: [user("a")] }), "max_tokens"],
    [
      "max_tokens exceeds the thinking budget",
      () => ({ max_tokens: 1024, thinking: enabled, messages: [user("a")] }),
      "`max_tokens` must be greater than `thinking.budget_tokens`",
    ],
    [
      "the thinking budget is at least 1024",
      () => ({ thinking: { type: "enabled", budget_tokens: 512 }, messages: [user("a")] }),
      "budget_tokens",
    ],
    [
      "every tool_use is answered in the next message",
      () => ({ messages: [user("a"), assistant([use("t1")]), user("b")] }),
      "without `tool_result` blocks immediately after: t1",
    ],
    [
      "tool results come first",
      () => ({ messages: [user("a"), assistant([use("t1")]), user([text("note"), result("t1")])] }),
      "must come first",
    ],
    [
      "no tool_result without its tool_use",
      () => ({ messages: [user("a"), assistant("b"), user([result("t9")])] }),
      "unexpected `tool_use_id`",
    ],
    [
      "with thinking on, the final assistant message of a tool loop starts with thinking",
      () => ({
        thinking: enabled,
        messages: [user("a"), assistant([text("calling"), use("t1")]), user([result("t1")])],
      }),
      "Expected `thinking` or `redacted_thinking`, but found `text`",
    ],
    [
      "a thinking block carries a signature the server issued",
      () => ({
        thinking: enabled,
        messages: [
          user("a"),
          assistant([{ type: "thinking", thinking: "x", signature: "forged" }, use("t1")]),
          user([result("t1")]),
        ],
      }),
      "Invalid `signature`",
    ],
    [
      "a thinking block comes back unmodified",
      async () => {
        const [block] = await signedTurn()
        return {
          thinking: enabled,
          messages: [
            user("go"),
            assistant([{ ...block, thinking: `${block!.thinking} (edited)` }, use("t1")]),
            user([result("t1")]),
          ],
        }
      },
      "cannot be modified",
    ],
    [
      "redacted thinking is data the server issued",
      () => ({
        thinking: enabled,
        messages: [
          user("a"),
          assistant([{ type: "redacted_thinking", data: "made-up" }, use("t1")]),
          user([result("t1")]),
        ],
      }),
      "Invalid `data`",
    ],
    [
      "at most four cache breakpoints",
      () => ({
        system: [text("s1", true), text("s2", true)],
        messages: [user([text("a", true)]), assistant([text("b", true)]), user([text("c", true)])],
      }),
      "A maximum of 4 blocks with cache_control may be provided. Found 5.",
    ],
  ]

  test.each(cases)("%s", async (_, build, message) => {
    start(
      queue(Array.from({ length: 2 }, () => ({ text: "ok", toolCalls: [{ name: "lookup", input: {}, id: "t1" }] }))),
    )
    const answer = await post(await build())
    expect(answer.status).toBe(400)
    expect(answer.body).toEqual({
      type: "error",
      error: { type: "invalid_request_error", message: expect.any(String) },
    })
    expect(answer.body.error.message).toContain(message)
    const rejected = server!.requests.at(-1)!
    expect(rejected).toMatchObject({ accepted: false, status: 400, error: answer.body.error.message })
    expect(rejected.usage).toBeUndefined()
  })

  test("a signed thinking block returned unmodified is accepted", async () => {
    start(queue([{ reasoning: "plan", toolCalls: [{ name: "lookup", input: {}, id: "t1" }] }, { text: "done" }]))
    const content = await signedTurn()
    const answer = await post({ thinking: enabled, messages: [user("go"), assistant(content), user([result("t1")])] })
    expect(answer.status).toBe(200)
    expect(server!.requests.map((r) => r.accepted)).toEqual([true, true])
  })

  test("with interleaved thinking the budget may exceed max_tokens", async () => {
    start(queue([{ text: "ok" }]))
    const response = await fetch(`${server!.url}/messages`, {
      method: "POST",
      headers: { ...headers, "anthropic-beta": "interleaved-thinking-2025-05-14" },
      body: JSON.stringify({
        model: "m",
        max_tokens: 1024,
        thinking: { type: "enabled", budget_tokens: 4096 },
        messages: [user("a")],
      }),
    })
    expect(response.status).toBe(200)
  })

  test("a rejected request does not use up a scripted turn", async () => {
    start(queue([{ text: "the only turn" }]))
    expect((await post({ messages: [user("a"), user("b")] })).status).toBe(400)
    const answer = await post({ messages: [user("a")] })
    expect(answer.body.content).toEqual([{ type: "text", text: "the only turn" }])
    expect(server!.calls).toHaveLength(1)
  })

  test("a scripted fault answers in the API's error shape", async () => {
    start(queue([{ fault: { status: 529 } }, { error: "boom" }]))
    const overloaded = await post({ messages: [user("a")] })
    expect(overloaded).toEqual({
      status: 529,
      body: { type: "error", error: { type: "overloaded_error", message: "scripted fault 529" } },
    })
    const failed = await post({ messages: [user("a")] })
    expect(failed).toEqual({ status: 500, body: { type: "error", error: { type: "api_error", message: "boom" } } })
    expect(server!.requests.map((r) => [r.accepted, r.status, r.usage])).toEqual([
      [true, 529, undefined],
      [true, 500, undefined],
    ])
  })

  test("requests without the version header are refused", async () => {
    start(queue([]))
    const response = await fetch(`${server!.url}/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": "test" },
      body: JSON.stringify({ model: "m", max_tokens: 10, messages: [user("a")] }),
    })
    expect(response.status).toBe(400)
    expect(((await response.json()) as Answer).error.message).toContain("anthropic-version")
  })
})
