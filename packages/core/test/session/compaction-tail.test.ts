import { afterEach, expect, test } from "bun:test"
import { testEngine } from "@tandem/testing/fixture"
import { lastUser, type Responder, type ScriptRequest } from "@tandem/testing/script"
import { SUMMARY_PROMPT } from "../../src/session/compaction/summarize"
import type { Config } from "../../src/config/config"

// compaction.tail_turns and compaction.preserve_recent_tokens: the recent turns a compaction
// keeps verbatim after its summary; see README "Compaction".

const engines: { close(): Promise<void> }[] = []
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close()
})

const isSummaryCall = (request: ScriptRequest) => lastUser(request) === SUMMARY_PROMPT
const sent = (request: ScriptRequest) => JSON.stringify(request.messages)
const responder: Responder = (request) =>
  isSummaryCall(request) ? { text: "SUMMARY-TEXT" } : { text: `answer-${lastUser(request).split(" ")[0]}` }

/** Three turns, a summary asked for, and a fourth prompt; the summary call and the call after it. */
async function run(compaction: Config["compaction"], third = "THREE") {
  const harness = testEngine({ responder, config: { compaction } })
  engines.push(harness.engine)
  const { engine, directory, calls } = harness
  const session = engine.store.createSession({ directory })
  for (const text of ["ONE", "TWO", third]) await engine.runner.prompt(session.id, { parts: [{ type: "text", text }] })
  await engine.runner.summarize(session.id, { providerID: "scripted", modelID: "test" })
  const summary = calls.at(-1)!
  await engine.runner.prompt(session.id, { parts: [{ type: "text", text: "FOUR" }] })
  const request = engine.store.messages(session.id).find((m) => m.parts.some((p) => p.type === "compaction"))!
  return { summary, next: calls.at(-1)!, request, messages: engine.store.messages(session.id) }
}

test("without tail settings the summary stands for every turn before it", async () => {
  const { summary, next } = await run(undefined)
  expect(isSummaryCall(summary)).toBe(true)
  for (const text of ["ONE", "TWO", "THREE"]) expect(sent(summary)).toContain(text)
  expect(sent(next)).toContain("SUMMARY-TEXT")
  expect(sent(next)).not.toContain("answer-THREE")
})

test("tail_turns keeps that many recent turns verbatim: out of the summary, sent after it", async () => {
  const { summary, next, request, messages } = await run({ tail_turns: 2 })
  expect(sent(summary)).toContain("answer-ONE")
  expect(sent(summary)).not.toContain("TWO")
  expect(sent(summary)).not.toContain("THREE")
  const two = messages.find((m) => m.parts.some((p) => p.type === "text" && p.text === "TWO"))!
  expect(request.parts[0]).toMatchObject({ type: "compaction", tail_start_id: two.info.id })
  expect(next.messages.map((m) => m.text)).toEqual([
    expect.stringContaining("Summarise"),
    "SUMMARY-TEXT",
    "TWO",
    "answer-TWO",
    "THREE",
    "answer-THREE",
    "FOUR",
  ])
})

test("preserve_recent_tokens bounds the tail: a turn too large keeps only its latest messages that fit", async () => {
  const big = "THREE " + "z".repeat(12_000)
  const { summary, next } = await run({ tail_turns: 3, preserve_recent_tokens: 1000 }, big)
  // The last turn is about 3,000 tokens: its prompt goes into the summary, its short answer stays.
  expect(sent(summary)).toContain("zzzz")
  expect(sent(summary)).toContain("TWO")
  expect(sent(summary)).not.toContain("answer-THREE")
  expect(sent(next)).not.toContain("zzzz")
  expect(next.messages.map((m) => m.text).slice(1)).toEqual(["SUMMARY-TEXT", "answer-THREE", "FOUR"])
})

test("a second compaction keeps its own tail and summarises the first summary with the rest", async () => {
  const harness = testEngine({ responder, config: { compaction: { tail_turns: 1 } } })
  engines.push(harness.engine)
  const { engine, directory, calls } = harness
  const session = engine.store.createSession({ directory })
  for (const text of ["ONE", "TWO"]) await engine.runner.prompt(session.id, { parts: [{ type: "text", text }] })
  await engine.runner.summarize(session.id, { providerID: "scripted", modelID: "test" })
  await engine.runner.prompt(session.id, { parts: [{ type: "text", text: "THREE" }] })
  await engine.runner.summarize(session.id, { providerID: "scripted", modelID: "test" })
  const second = calls.at(-1)!
  expect(sent(second)).toContain("SUMMARY-TEXT")
  expect(sent(second)).toContain("answer-TWO")
  expect(sent(second)).not.toContain("answer-THREE")
  await engine.runner.prompt(session.id, { parts: [{ type: "text", text: "FOUR" }] })
  expect(
    calls
      .at(-1)!
      .messages.map((m) => m.text)
      .slice(1),
  ).toEqual(["SUMMARY-TEXT", "THREE", "answer-THREE", "FOUR"])
})
