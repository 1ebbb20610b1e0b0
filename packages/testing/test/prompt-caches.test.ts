import { describe, expect, test } from "bun:test"
import { createPromptCache } from "../src/anthropic-cache"
import type { MessagesRequest } from "../src/anthropic-wire"
import { createPrefixCache } from "../src/prefix-cache"

const mark = { cache_control: { type: "ephemeral" as const } }

/** A conversation of `turns` user/assistant pairs and a last user message, with breakpoints on the given blocks. */
function conversation(turns: number, marked: number[]): MessagesRequest {
  const messages: MessagesRequest["messages"] = []
  for (let i = 0; i < turns; i++)
    messages.push(
      { role: "user", content: [{ type: "text", text: `question ${i}`, ...(marked.includes(2 * i) ? mark : {}) }] },
      {
        role: "assistant",
        content: [{ type: "text", text: `answer ${i}`, ...(marked.includes(2 * i + 1) ? mark : {}) }],
      },
    )
  messages.push({
    role: "user",
    content: [{ type: "text", text: "last", ...(marked.includes(2 * turns) ? mark : {}) }],
  })
  return { model: "m", max_tokens: 100, messages }
}

describe("the Anthropic prompt cache simulation", () => {
  test("a later breakpoint finds an earlier entry within the lookback, not beyond it", () => {
    const cache = createPromptCache()
    const first = cache.account(conversation(0, [0]))
    expect(first.cache_creation_input_tokens).toBeGreaterThan(0)
    // The first request's block comes back first, with 20 blocks after it: one past the 20 boundaries checked.
    const far = conversation(10, [20])
    far.messages[0] = { role: "user", content: [{ type: "text", text: "last" }] }
    far.messages[1] = { role: "assistant", content: [{ type: "text", text: "answer 0" }] }
    expect(cache.account(far).cache_read_input_tokens).toBe(0)
    const near = createPromptCache({ lookback: 21 })
    near.account(conversation(0, [0]))
    expect(near.account(far).cache_read_input_tokens).toBe(first.cache_creation_input_tokens)
  })

  test("the parts add up to the whole input, and a repeated request reads everything it wrote", () => {
    const cache = createPromptCache()
    const body = conversation(3, [1, 6])
    const one = cache.account(body)
    const two = cache.account(body)
    const total = one.input_tokens + one.cache_read_input_tokens + one.cache_creation_input_tokens
    expect(two.input_tokens + two.cache_read_input_tokens + two.cache_creation_input_tokens).toBe(total)
    expect(two).toEqual({ input_tokens: 0, cache_read_input_tokens: total, cache_creation_input_tokens: 0 })
  })

  test("without breakpoints nothing is cached", () => {
    const cache = createPromptCache()
    cache.account(conversation(2, []))
    expect(cache.account(conversation(2, [])).cache_read_input_tokens).toBe(0)
  })
})

describe("the OpenAI prefix cache simulation", () => {
  test("reads the shared prefix in whole steps, once the prompt is long enough", () => {
    const cache = createPrefixCache({ minTokens: 8, granularity: 4 })
    const base = "x".repeat(100)
    expect(cache.account(base)).toEqual({ input: 25, cached: 0 })
    expect(cache.account(`${base}y`)).toEqual({ input: 26, cached: 24 })
    expect(cache.account(`${"x".repeat(40)}z${base}`)).toEqual({ input: 36, cached: 8 })
    expect(cache.account("x".repeat(20))).toEqual({ input: 5, cached: 0 })
  })
})
