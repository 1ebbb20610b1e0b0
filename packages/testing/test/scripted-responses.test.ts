import { createOpenAI } from "@ai-sdk/openai"
import { generateText, stepCountIs, streamText, tool, type ModelMessage } from "ai"
import { afterEach, describe, expect, test } from "bun:test"
import { z } from "zod"
import { lastToolResults, queue, type Responder } from "../src/script"
import { startScriptedResponses, type ScriptedResponses } from "../src/scripted-responses"

let server: ScriptedResponses | undefined
afterEach(async () => {
  await server?.stop()
  server = undefined
})

function start(responder: Responder, cache?: { minTokens?: number; granularity?: number }) {
  server = startScriptedResponses({ responder, cache })
  // createOpenAI(...)(id) is the Responses model, @ai-sdk/openai's default.
  return { server, model: createOpenAI({ baseURL: server.url, apiKey: "test" })("gpt-5") }
}

const lookup = tool({
  description: "Looks a key up.",
  inputSchema: z.object({ key: z.string() }),
  execute: async ({ key }) => `value of ${key}`,
})

type Item = { type?: string; role?: string; id?: string; call_id?: string; encrypted_content?: string | null }
const shape = (items: Item[]) =>
  items.map((item) => [item.type ?? item.role, item.id ?? item.call_id ?? null, item.encrypted_content ? "enc" : null])

function toolLoop() {
  return start(
    queue([
      { reasoning: "Look it up first.", toolCalls: [{ name: "lookup", input: { key: "a" }, id: "call_1" }] },
      (request) => ({ reasoning: "Answer now.", text: `It is ${lastToolResults(request)[0]?.output}.` }),
    ]),
  )
}

describe("the OpenAI Responses adapter against the scripted Responses server", () => {
  test("stored responses: reasoning goes back by reference, before its function call, and is accepted", async () => {
    const { server, model } = toolLoop()
    const result = streamText({
      model,
      messages: [{ role: "user", content: "What is a?" }],
      tools: { lookup },
      stopWhen: stepCountIs(3),
      maxRetries: 0,
      providerOptions: { openai: { reasoningEffort: "low" } },
    })
    expect(await result.text).toBe("It is value of a.")
    expect(server.requests.map((r) => [r.status, r.error])).toEqual([
      [200, undefined],
      [200, undefined],
    ])
    const sent = server.requests[1]!.body as { input: Item[]; store?: boolean; reasoning: unknown }
    expect(sent.store).toBeUndefined()
    expect(sent.reasoning).toEqual({ effort: "low", summary: "detailed" })
    const rs = sent.input[1]!.id
    expect(shape(sent.input)).toEqual([
      ["user", null, null],
      ["item_reference", rs!, null],
      ["function_call", "call_1", null],
      ["function_call_output", "call_1", null],
    ])
    expect(rs).toStartWith("rs_")
    expect(server.calls[1]!.messages[1]).toMatchObject({ role: "assistant", reasoning: "Look it up first." })
    const [first] = await result.steps
    const reasoning = first!.content.find((part) => part.type === "reasoning")
    expect(reasoning?.providerMetadata?.openai).toMatchObject({ itemId: rs })
  })

  test("store off: reasoning goes back inline with its encrypted content, and is accepted", async () => {
    const { server, model } = toolLoop()
    const result = streamText({
      model,
      messages: [{ role: "user", content: "What is a?" }],
      tools: { lookup },
      stopWhen: stepCountIs(3),
      maxRetries: 0,
      providerOptions: { openai: { reasoningEffort: "low", store: false } },
    })
    expect(await result.text).toBe("It is value of a.")
    expect(server.requests.map((r) => r.status)).toEqual([200, 200])
    const [one, two] = server.requests.map((r) => r.body as { input: Item[]; include?: string[]; store?: boolean })
    expect(one!.include).toEqual(["reasoning.encrypted_content"])
    expect(one!.store).toBe(false)
    expect(shape(two!.input).map(([type, , enc]) => [type, enc])).toEqual([
      ["user", null],
      ["reasoning", "enc"],
      ["function_call", null],
      ["function_call_output", null],
    ])
    const [first] = await result.steps
    const reasoning = first!.content.find((part) => part.type === "reasoning")
    expect(reasoning?.providerMetadata?.openai?.reasoningEncryptedContent).toBe(two!.input[1]!.encrypted_content!)
  })

  test("a later turn sends text, reasoning and calls of earlier turns back, is accepted and reads the cache", async () => {
    const { server, model } = start(
      queue([
        { reasoning: "Plan.", text: "Looking.", toolCalls: [{ name: "lookup", input: { key: "a" } }] },
        { reasoning: "Done.", text: "It is value of a." },
        { reasoning: "Again.", text: "Still value of a." },
      ]),
      { minTokens: 0, granularity: 1 },
    )
    const messages: ModelMessage[] = [{ role: "user", content: "What is a?" }]
    const options = { model, tools: { lookup }, maxRetries: 0, providerOptions: { openai: { reasoningEffort: "low" } } }
    const one = await generateText({ ...options, messages, stopWhen: stepCountIs(3) })
    messages.push(...one.responseMessages, { role: "user", content: "And again?" })
    const two = streamText({ ...options, messages })
    await two.consumeStream()
    expect(server.requests.map((r) => [r.status, r.error])).toEqual([
      [200, undefined],
      [200, undefined],
      [200, undefined],
    ])
    const last = server.requests[2]!
    expect(shape((last.body as { input: Item[] }).input).map(([type]) => type)).toEqual([
      "user",
      "item_reference",
      "item_reference",
      "function_call",
      "function_call_output",
      "item_reference",
      "item_reference",
      "user",
    ])
    const cached = last.usage!.input_tokens_details.cached_tokens
    expect(cached).toBeGreaterThan(server.requests[1]!.usage!.input_tokens_details.cached_tokens)
    expect(cached).toBeLessThan(last.usage!.input_tokens)
    expect((await two.usage).inputTokenDetails.cacheReadTokens).toBe(cached)
  })

  test("prompts under the documented minimum are not cached", async () => {
    const { server, model } = start(queue([{ text: "One." }, { text: "Two." }]))
    await generateText({ model, prompt: "Same prompt.", maxRetries: 0 })
    await generateText({ model, prompt: "Same prompt.", maxRetries: 0 })
    expect(server.requests.map((r) => r.usage!.input_tokens_details.cached_tokens)).toEqual([0, 0])
  })

  test("a long repeated prefix is read in steps of 128 tokens", async () => {
    const { server, model } = start(queue([{ text: "One." }, { text: "Two." }]))
    const instructions = "Background. ".repeat(500)
    await generateText({ model, instructions, prompt: "First.", maxRetries: 0 })
    await generateText({ model, instructions, prompt: "Second.", maxRetries: 0 })
    const [a, b] = server.requests.map((r) => r.usage!)
    expect(a!.input_tokens_details.cached_tokens).toBe(0)
    expect(b!.input_tokens_details.cached_tokens % 128).toBe(0)
    expect(b!.input_tokens_details.cached_tokens).toBeGreaterThanOrEqual(1024)
    expect(b!.input_tokens - b!.input_tokens_details.cached_tokens).toBeLessThan(128 + 20)
  })
})

const headers = { "content-type": "application/json", authorization: "Bearer test" }
const user = (text: string) => ({ role: "user", content: [{ type: "input_text", text }] })
const call = (id: string) => ({ type: "function_call", call_id: id, name: "lookup", arguments: '{"key":"a"}' })
const output = (id: string) => ({ type: "function_call_output", call_id: id, output: "value" })
type Answer = {
  output?: (Item & { summary?: unknown[] })[]
  error: { message: string; type: string; param: string | null; code: null }
}

describe("rules of the Responses API", () => {
  async function post(body: Record<string, unknown>) {
    const response = await fetch(`${server!.url}/responses`, {
      method: "POST",
      headers,
      body: JSON.stringify({ model: "gpt-5", ...body }),
    })
    return { status: response.status, body: (await response.json()) as Answer }
  }

  /** The output of a real turn that reasons, then calls `call_1`. */
  async function reasonedCall(store: boolean) {
    const answer = await post({
      input: [user("go")],
      reasoning: { effort: "low" },
      store,
      include: ["reasoning.encrypted_content"],
    })
    expect(answer.status).toBe(200)
    return answer.body.output!
  }

  const cases: [string, () => Promise<Record<string, unknown>> | Record<string, unknown>, string][] = [
    [
      "a function_call_output answers an earlier function_call",
      () => ({ input: [user("a"), output("call_9")] }),
      "No tool call found for function call output with call_id call_9.",
    ],
    [
      "a function_call is answered",
      () => ({ input: [user("a"), call("call_1"), user("b")] }),
      "No tool output found for function call call_1.",
    ],
    [
      "a referenced item exists",
      () => ({ input: [user("a"), { type: "item_reference", id: "rs_unknown" }] }),
      "Item with id 'rs_unknown' not found.",
    ],
    [
      "encrypted reasoning is content the server issued",
      () => ({
        input: [user("a"), { type: "reasoning", summary: [], encrypted_content: "forged" }, call("c"), output("c")],
      }),
      "could not be verified",
    ],
    [
      "a reasoning item is followed by the item it preceded",
      async () => {
        const [reasoning] = await reasonedCall(false)
        return { input: [user("go"), reasoning, user("never mind")] }
      },
      "of type 'reasoning' was provided without its required following item.",
    ],
    [
      "an item that followed reasoning comes with it",
      async () => {
        const items = await reasonedCall(true)
        return { input: [user("go"), { type: "item_reference", id: items[1]!.id }, output("call_1")] }
      },
      "of type 'function_call' was provided without its required 'reasoning' item",
    ],
    [
      "reasoning sent back by id alone needs a stored response",
      async () => {
        const [reasoning] = await reasonedCall(false)
        return { input: [user("go"), { ...reasoning, encrypted_content: undefined }, call("call_1"), output("call_1")] }
      },
      "not found",
    ],
    [
      "a reasoning item carries an id or encrypted content",
      () => ({ input: [user("a"), { type: "reasoning", summary: [] }, call("c"), output("c")] }),
      "needs its `id` or its `encrypted_content`",
    ],
    [
      "a reasoning item has a summary",
      () => ({ input: [user("a"), { type: "reasoning", id: "rs_1" }] }),
      "input.1.summary",
    ],
  ]

  test.each(cases)("%s", async (_, build, message) => {
    start(
      queue(Array.from({ length: 2 }, () => ({ toolCalls: [{ name: "lookup", input: { key: "a" }, id: "call_1" }] }))),
    )
    const answer = await post(await build())
    expect(answer.status).toBe(400)
    expect(answer.body).toEqual({
      error: { message: expect.any(String), type: "invalid_request_error", param: expect.anything(), code: null },
    })
    expect(answer.body.error.message).toContain(message)
    expect(server!.requests.at(-1)).toMatchObject({ accepted: false, status: 400, error: answer.body.error.message })
  })

  test("a scripted fault answers in the API's error shape", async () => {
    start(queue([{ fault: { status: 429, retryAfter: 1 } }]))
    const response = await fetch(`${server!.url}/responses`, {
      method: "POST",
      headers,
      body: JSON.stringify({ model: "gpt-5", input: "hi" }),
    })
    expect(response.status).toBe(429)
    expect(response.headers.get("retry-after")).toBe("1")
    expect(await response.json()).toEqual({
      error: { message: "scripted fault 429", type: "rate_limit_exceeded", param: null, code: null },
    })
  })

  test("reasoning and its call sent back inline with encrypted content are accepted", async () => {
    start(queue([{ toolCalls: [{ name: "lookup", input: { key: "a" }, id: "call_1" }] }, { text: "done" }]))
    const items = await reasonedCall(false)
    expect(items.map((item) => item.type)).toEqual(["reasoning", "function_call"])
    const answer = await post({ input: [user("go"), ...items, output("call_1")], store: false })
    expect(answer.status).toBe(200)
    expect(server!.calls[1]!.messages.map((m) => m.role)).toEqual(["user", "assistant", "tool"])
  })
})
