import { expect, test } from "bun:test"
import { emptyTokens, type AssistantMessage, type WithParts } from "../../src/session/message"
import { taskOutcome, type RunEnd } from "../../src/task/task-outcome"

function answer(texts: string[], info: Partial<AssistantMessage> = {}): WithParts {
  const base = { sessionID: "ses_child", messageID: "msg_2" }
  return {
    info: {
      id: "msg_2",
      sessionID: "ses_child",
      role: "assistant",
      time: { created: 1, completed: 2 },
      parentID: "msg_1",
      modelID: "test",
      providerID: "scripted",
      mode: "general",
      agent: "general",
      path: { cwd: "/p", root: "/p" },
      cost: 0,
      tokens: emptyTokens(),
      finish: "stop",
      ...info,
    },
    parts: texts.map((text, i) => ({ ...base, id: `prt_${i}`, type: "text", text })),
  }
}

const end = (over: Partial<RunEnd>): RunEnd => ({ closing: false, maxSteps: 50, ...over })

test("a loop that answered completes with its last text part", () => {
  expect(taskOutcome(end({ last: answer(["thinking aloud", "the answer"]) }))).toEqual({
    kind: "ended",
    state: "completed",
    result: "the answer",
    reason: undefined,
    error: undefined,
  })
})

test("a child that wrote nothing completes with an empty result", () => {
  expect(taskOutcome(end({}))).toMatchObject({ kind: "ended", state: "completed", result: "" })
})

test("a throw or a failed final message is an error, the throw's message first", () => {
  const failed = answer(["partial"], {
    error: { name: "APIError", data: { message: "rate limited", isRetryable: false } },
  })
  expect(taskOutcome(end({ last: failed }))).toMatchObject({ state: "error", error: "rate limited", result: "partial" })
  expect(taskOutcome(end({ last: failed, failure: "boom" }))).toMatchObject({ state: "error", error: "boom" })
})

test("a loop that stopped while asking for tools ran out of steps: completed, partial, and says so", () => {
  expect(taskOutcome(end({ last: answer(["so far"], { finish: "tool-calls" }), maxSteps: 7 }))).toMatchObject({
    state: "completed",
    result: "so far",
    reason: "step budget of 7 reached; the result is partial",
  })
})

test("a cancel or a budget decides the state and the reason, whatever the loop did", () => {
  const stop = { state: "cancelled" as const, reason: "not needed" }
  const aborted = answer(["half"], { error: { name: "MessageAbortedError", data: { message: "aborted" } } })
  expect(taskOutcome(end({ stop, last: aborted }))).toEqual({
    kind: "ended",
    state: "cancelled",
    result: "half",
    reason: "not needed",
    error: undefined,
  })
  const budget = { state: "completed" as const, reason: "token budget of 1000 reached" }
  expect(taskOutcome(end({ stop: budget, last: answer(["big"], { finish: "tool-calls" }) }))).toMatchObject({
    state: "completed",
    reason: "token budget of 1000 reached",
  })
})

test("shutting down leaves an unstopped task open for the next start; a stopped one still ends", () => {
  expect(taskOutcome(end({ closing: true, last: answer(["x"]) }))).toEqual({ kind: "left-open" })
  const stop = { state: "cancelled" as const, reason: "cancelled" }
  expect(taskOutcome(end({ closing: true, stop }))).toMatchObject({ kind: "ended", state: "cancelled" })
})
