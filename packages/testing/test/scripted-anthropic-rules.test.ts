import { createAnthropic } from "@ai-sdk/anthropic"
import { afterEach, describe, expect, test } from "bun:test"
import { queue, type Responder } from "../src/script"
import { startScriptedAnthropic, type ScriptedAnthropic } from "../src/scripted-anthropic"

let server: ScriptedAnthropic | undefined
afterEach(async () => {
  await server?.stop()
  server = undefined
})

function start(responder: Responder, cache?: { minTokens?: number }) {
  server = startScriptedAnthropic({ responder, cache })
  return { server, model: createAnthropic({ baseURL: server.url, apiKey: "test" })("claude-sonnet-4-5") }
}

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
