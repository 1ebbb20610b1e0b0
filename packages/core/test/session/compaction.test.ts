import { afterEach, expect, test } from "bun:test"
import { writeFileSync } from "node:fs"
import path from "node:path"
import { record, testEngine } from "@tandem/testing/fixture"
import { gate, lastToolResults, lastUser, type Responder, type ScriptRequest } from "@tandem/testing/script"
import { SessionCompacted } from "../../src/session/compaction/events"
import { SUMMARY_PROMPT, SUMMARY_SYSTEM } from "../../src/session/compaction/summarize"
import { CONTINUE_TEXT } from "../../src/session/compaction/compaction"
import { SessionUpdated } from "../../src/session/events"
import type { Config } from "../../src/config/config"
import type { AssistantMessage, ToolPart } from "../../src/session/message"
import { CLEARED_OUTPUT } from "../../src/session/to-model"

// Compaction: the summary that stands for the transcript before it, asked for or automatic, and
// old tool outputs cleared; see README "Compaction".

const engines: { close(): Promise<void> }[] = []
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close()
})

function setup(responder: Responder, config: Config = {}) {
  const harness = testEngine({ responder, config })
  engines.push(harness.engine)
  return harness
}

const say = (text: string) => ({ parts: [{ type: "text" as const, text }] })
const isSummaryCall = (request: ScriptRequest) => lastUser(request) === SUMMARY_PROMPT
/** Everything a call sent, as one string. */
const sent = (request: ScriptRequest) => JSON.stringify(request.messages)
/** A model with this context window (and 1,000 output tokens, so 1,000 are kept free). */
const withContext = (context: number): Config => ({
  provider: { scripted: { models: { test: { limit: { context, output: 1000 } } } } },
})

test("summarize: a compaction request, a summary message, and later calls start from the summary", async () => {
  const { engine, directory, calls } = setup((request) =>
    isSummaryCall(request) ? { text: "SUMMARY: the user greeted twice" } : { text: `echo ${lastUser(request)}` },
  )
  const session = engine.store.createSession({ directory })
  await engine.runner.prompt(session.id, say("hello FIRST"))
  await engine.runner.prompt(session.id, say("hello SECOND"))
  const updates = record(engine.bus, SessionUpdated)
  const compacted = record(engine.bus, SessionCompacted)

  await engine.runner.summarize(session.id, { providerID: "scripted", modelID: "test" })

  const messages = engine.store.messages(session.id)
  const [request, summary] = messages.slice(-2)
  expect(request!.parts).toEqual([expect.objectContaining({ type: "compaction", auto: false })])
  expect(summary!.info).toMatchObject({
    role: "assistant",
    summary: true,
    mode: "compaction",
    parentID: request!.info.id,
  })
  expect(summary!.parts.find((p) => p.type === "text")).toMatchObject({ text: "SUMMARY: the user greeted twice" })
  const summaryCall = calls.at(-1)!
  expect(summaryCall.system).toBe(SUMMARY_SYSTEM)
  expect(summaryCall.tools).toEqual([])
  expect(sent(summaryCall)).toContain("hello FIRST")
  expect(updates.some((u) => u.info.time.compacting !== undefined)).toBe(true)
  expect(engine.store.getSession(session.id)!.time.compacting).toBeUndefined()
  expect(compacted).toEqual([{ sessionID: session.id }])

  await engine.runner.prompt(session.id, say("hello THIRD"))
  const next = calls.at(-1)!
  expect(sent(next)).toContain("SUMMARY: the user greeted twice")
  expect(sent(next)).toContain("hello THIRD")
  expect(sent(next)).not.toContain("hello FIRST")
  expect(sent(next)).not.toContain("echo hello SECOND")
})

test("automatic: a call that would overflow the context is preceded by a summary; the new prompt stays verbatim", async () => {
  const { engine, directory, calls } = setup(
    (request) => (isSummaryCall(request) ? { text: "SUMMARY: a long first message" } : { text: "noted" }),
    withContext(4000),
  )
  const session = engine.store.createSession({ directory })
  await engine.runner.prompt(session.id, say("FIRST " + "x".repeat(16_000)))
  expect(engine.store.messages(session.id)).toHaveLength(2)
  const reply = await engine.runner.prompt(session.id, say("the next question"))

  expect(reply.parts.find((p) => p.type === "text")).toMatchObject({ text: "noted" })
  const messages = engine.store.messages(session.id)
  const second = messages[2]!
  const request = messages[3]!
  expect(request.parts[0]).toMatchObject({
    type: "compaction",
    auto: true,
    overflow: true,
    tail_start_id: second.info.id,
  })
  expect(messages[4]!.info).toMatchObject({ summary: true, parentID: request.info.id })
  expect(messages[5]!.parts).toEqual([expect.objectContaining({ type: "text", text: CONTINUE_TEXT, synthetic: true })])
  const [summaryCall, answer] = calls.slice(-2)
  expect(isSummaryCall(summaryCall!)).toBe(true)
  expect(sent(summaryCall!)).toContain("FIRST")
  expect(sent(summaryCall!)).not.toContain("the next question")
  expect(sent(answer!)).not.toContain("xxxx")
  expect(answer!.messages.map((m) => m.text)).toEqual([
    expect.stringContaining("Summarise"),
    "SUMMARY: a long first message",
    "the next question",
    CONTINUE_TEXT,
  ])
})

test("automatic compaction is off with compaction.auto false, and never runs without a known context limit", async () => {
  for (const config of [{ ...withContext(4000), compaction: { auto: false } }, {}]) {
    const { engine, directory, calls } = setup(
      (request) => (isSummaryCall(request) ? { text: "SUMMARY" } : { text: "noted" }),
      config,
    )
    const session = engine.store.createSession({ directory })
    await engine.runner.prompt(session.id, say("FIRST " + "x".repeat(16_000)))
    await engine.runner.prompt(session.id, say("the next question"))
    expect(calls.some(isSummaryCall)).toBe(false)
    expect(engine.store.messages(session.id)).toHaveLength(4)
  }
})

test("pruning: once a loop ends, tool outputs beyond the newest 40,000 tokens are cleared, outside the last two turns", async () => {
  const { engine, directory, calls } = setup((request) =>
    lastToolResults(request).length || lastUser(request) === "done"
      ? { text: "read it" }
      : { toolCalls: [{ name: "read", input: { filePath: "big.txt" } }] },
  )
  writeFileSync(path.join(directory, "big.txt"), Array.from({ length: 2000 }, () => "y".repeat(100)).join("\n"))
  const session = engine.store.createSession({ directory })
  for (const turn of ["one", "two", "three"]) await engine.runner.prompt(session.id, say(turn))
  const reads = () =>
    engine.store
      .messages(session.id)
      .flatMap((m) => m.parts)
      .filter((p): p is ToolPart => p.type === "tool")
  const compacted = () => reads().map((p) => p.state.status === "completed" && p.state.time.compacted !== undefined)
  // Each read is about 53,000 tokens: the first is beyond the newest 40,000 once two turns follow it.
  expect(compacted()).toEqual([true, false, false])
  await engine.runner.prompt(session.id, say("done"))
  expect(compacted()).toEqual([true, true, false])
  expect(reads()[0]!.state).toMatchObject({ output: expect.stringContaining("yyyy") })

  await engine.runner.prompt(session.id, say("done"))
  const results = calls.at(-1)!.messages.flatMap((m) => m.toolResults ?? [])
  expect(results.map((r) => r.output === CLEARED_OUTPUT)).toEqual([true, true, false])
})

test("pruning is off with compaction.prune false", async () => {
  const { engine, directory } = setup(
    (request) =>
      lastToolResults(request).length || lastUser(request) === "done"
        ? { text: "read it" }
        : { toolCalls: [{ name: "read", input: { filePath: "big.txt" } }] },
    { compaction: { prune: false } },
  )
  writeFileSync(path.join(directory, "big.txt"), Array.from({ length: 2000 }, () => "y".repeat(100)).join("\n"))
  const session = engine.store.createSession({ directory })
  for (const turn of ["one", "two", "three", "done"]) await engine.runner.prompt(session.id, say(turn))
  const parts = engine.store.messages(session.id).flatMap((m) => m.parts)
  expect(parts.some((p) => p.type === "tool" && p.state.status === "completed" && p.state.time.compacted)).toBe(false)
})

test("a failed summary is stored as an error and later calls still see the whole transcript", async () => {
  const { engine, directory, calls } = setup((request) =>
    isSummaryCall(request) ? { error: "summary refused" } : { text: `echo ${lastUser(request)}` },
  )
  const session = engine.store.createSession({ directory })
  await engine.runner.prompt(session.id, say("hello FIRST"))
  await engine.runner.summarize(session.id, { providerID: "scripted", modelID: "test" })
  const summary = engine.store.messages(session.id).at(-1)!.info as AssistantMessage
  expect(summary).toMatchObject({
    summary: true,
    error: { data: { message: expect.stringContaining("summary refused") } },
  })
  await engine.runner.prompt(session.id, say("hello SECOND"))
  expect(sent(calls.at(-1)!)).toContain("hello FIRST")
})

test("summarize during a running turn: the summary follows at the loop's next step boundary or once it ends", async () => {
  const held = gate()
  const called = gate()
  const { engine, directory } = setup(async (request) => {
    if (isSummaryCall(request)) return { text: "SUMMARY: a held turn" }
    called.release()
    await held.promise
    return { text: `echo ${lastUser(request)}` }
  })
  const session = engine.store.createSession({ directory })
  const turn = engine.runner.prompt(session.id, say("hello FIRST"))
  await called.promise
  expect(engine.runner.isBusy(session.id)).toBe(true)
  const summarized = engine.runner.summarize(session.id, { providerID: "scripted", modelID: "test" })
  held.release()
  await Promise.all([turn, summarized])
  const roles = engine.store
    .messages(session.id)
    .map((m) => (m.info.role === "assistant" && m.info.summary ? "summary" : m.info.role))
  expect(roles).toEqual(["user", "assistant", "user", "summary"])
})

test("a call the provider refuses for overflowing its context is followed by a compaction and the turn goes on", async () => {
  const inputOf = (request: ScriptRequest) => sent(request).length / 4
  const { engine, directory, calls } = setup(
    (request) => {
      if (isSummaryCall(request)) return { text: "SUMMARY: a long first message" }
      if (inputOf(request) > 5000) return { error: "This model's maximum context length is 5000 tokens" }
      return { text: `answered ${lastUser(request).slice(0, 6)}` }
    },
    { tandem: { retry: { attempts: 1 } } },
  )
  const session = engine.store.createSession({ directory })
  await engine.runner.prompt(session.id, say("FIRST " + "x".repeat(16_000)))
  const reply = await engine.runner.prompt(session.id, say("SECOND " + "y".repeat(8_000)))

  expect(reply.parts.find((p) => p.type === "text")).toMatchObject({ text: expect.stringContaining("answered") })
  const infos = engine.store.messages(session.id).map((m) => m.info)
  expect(infos.filter((m) => m.role === "assistant" && m.error)).toHaveLength(1)
  const request = engine.store.messages(session.id).find((m) => m.parts.some((p) => p.type === "compaction"))!
  expect(request.parts[0]).toMatchObject({ auto: true, overflow: true, tail_start_id: infos[2]!.id })
  expect(sent(calls.at(-1)!)).toContain("SECOND")
  expect(sent(calls.at(-1)!)).not.toContain("FIRST")
})

test("no second compaction when the call after a summary still overflows: the error stands", async () => {
  const { engine, directory, calls } = setup(
    (request) =>
      isSummaryCall(request) ? { text: "SUMMARY" } : { error: "prompt is too long: 900000 tokens > 200000 maximum" },
    { tandem: { retry: { attempts: 1 } } },
  )
  const session = engine.store.createSession({ directory })
  const reply = await engine.runner.prompt(session.id, say("anything"))
  expect(reply.info).toMatchObject({ error: { data: { message: expect.stringContaining("prompt is too long") } } })
  expect(calls.filter(isSummaryCall)).toHaveLength(1)
})
