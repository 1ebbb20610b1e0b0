import { expect, test } from "bun:test"
import type { Part, WithParts } from "../../src/session/message"
import { DELIVERY_TOOL, toModelMessages } from "../../src/session/to-model"

// The stored transcript as the model reads it: reasoning sent back as issued, delivered results placed by rule.

const ids = { sessionID: "ses_1", messageID: "msg_1" }
let n = 0
const part = (fields: Record<string, unknown>) => ({ ...ids, id: `prt_${++n}`, ...fields }) as Part
const user = (text: string): WithParts => ({
  info: {
    id: "msg_u",
    sessionID: "ses_1",
    role: "user",
    time: { created: 0 },
    agent: "build",
    model: { providerID: "p", modelID: "m" },
  },
  parts: [part({ type: "text", text })],
})
const assistant = (parts: Part[]): WithParts => ({
  info: {
    id: "msg_a",
    sessionID: "ses_1",
    role: "assistant",
    time: { created: 0 },
    parentID: "msg_u",
    modelID: "m",
    providerID: "p",
    mode: "build",
    agent: "build",
    path: { cwd: "/", root: "/" },
    cost: 0,
    tokens: { input: 0, output: 0, reasoning: 0, cache: { read: 0, write: 0 } },
  },
  parts,
})
const tool = (callID: string, output: string, synthetic = false) =>
  part({
    type: "tool",
    callID,
    tool: synthetic ? "task" : "glob",
    state: { status: "completed", input: {}, output, title: "", metadata: {}, time: { start: 0, end: 0 } },
    ...(synthetic ? { metadata: { synthetic: true } } : {}),
  })
const shape = (history: WithParts[]) =>
  toModelMessages(history).map((m) => [
    m.role,
    typeof m.content === "string" ? m.content : m.content.map((c) => ("text" in c && c.text ? c.text : c.type)),
  ])

test("reasoning goes back with what the provider issued with it; empty or cut-off reasoning is left out", () => {
  const messages = toModelMessages([
    user("go"),
    assistant([
      part({
        type: "reasoning",
        text: "",
        metadata: { anthropic: { redactedData: "opaque" } },
        time: { start: 0, end: 1 },
      }),
      part({
        type: "reasoning",
        text: "hm",
        metadata: { anthropic: { signature: "sig" } },
        time: { start: 0, end: 1 },
      }),
      part({ type: "reasoning", text: "", time: { start: 0, end: 1 } }),
      part({ type: "reasoning", text: "", metadata: { openai: { itemId: "rs_1" } }, time: { start: 0, end: 1 } }),
      part({ type: "reasoning", text: "", metadata: { openai: { itemId: "rs_cut" } }, time: { start: 0 } }),
      part({ type: "text", text: "done" }),
    ]),
  ])
  expect(messages[1]).toEqual({
    role: "assistant",
    content: [
      { type: "reasoning", text: "", providerOptions: { anthropic: { redactedData: "opaque" } } },
      { type: "reasoning", text: "hm", providerOptions: { anthropic: { signature: "sig" } } },
      { type: "reasoning", text: "", providerOptions: { openai: { itemId: "rs_1" } } },
      { type: "text", text: "done" },
    ],
  })
})

test("a delivery joins the last assistant turn as one task_status call, its result every delivered text", () => {
  const messages = toModelMessages([
    user("go"),
    assistant([tool("a", "A")]),
    assistant([tool("s1", "S1", true), tool("s2", "S2", true)]),
  ])
  expect(messages.slice(1)).toEqual([
    {
      role: "assistant",
      content: [
        { type: "tool-call", toolCallId: "a", toolName: "glob", input: {} },
        { type: "tool-call", toolCallId: "s1", toolName: DELIVERY_TOOL, input: {} },
      ],
    },
    {
      role: "tool",
      content: [
        { type: "tool-result", toolCallId: "a", toolName: "glob", output: { type: "text", value: "A" } },
        { type: "tool-result", toolCallId: "s1", toolName: DELIVERY_TOOL, output: { type: "text", value: "S1\n\nS2" } },
      ],
    },
  ])
  // To an idle parent whose turn ended in text: the call follows the text, in the same assistant message.
  expect(
    shape([user("go"), assistant([part({ type: "text", text: "ok" })]), assistant([tool("s", "S", true)])]),
  ).toEqual([
    ["user", ["go"]],
    ["assistant", ["ok", "tool-call"]],
    ["tool", ["tool-result"]],
  ])
})

test("a delivery with no assistant turn since the user spoke goes before the user's message, as text", () => {
  expect(
    shape([
      user("go"),
      assistant([part({ type: "text", text: "ok" })]),
      user("next"),
      assistant([tool("s", "S", true)]),
    ]),
  ).toEqual([
    ["user", ["go"]],
    ["assistant", ["ok"]],
    ["user", ["S"]],
    ["user", ["next"]],
  ])
})
