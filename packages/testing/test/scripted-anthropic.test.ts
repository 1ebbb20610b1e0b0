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
