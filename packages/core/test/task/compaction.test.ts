import { afterEach, expect, test } from "bun:test"
import { gate, lastToolResults, lastUser, type ScriptRequest } from "@tandem/testing/script"
import { SUMMARY_PROMPT } from "../../src/session/compaction/summarize"
import { TaskDelivered, TaskUpdated } from "../../src/task/events"
import { testEngine } from "@tandem/testing/fixture"
import { background, byPrompt, closeEngines, dispatcher, idleAfter, say, setup, synthetic } from "./harness"

// The background rule of compaction (docs/background.md, "Compaction and background results"):
// a delivered result is read by the parent's model before it can be summarised or cleared, and
// results that end while a compaction runs are delivered after it.

const own: { close(): Promise<void> }[] = []
afterEach(async () => {
  await closeEngines()
  for (const engine of own.splice(0)) await engine.close()
})

/** The parent's answer to anything else: whether a delivered result reached it. */
const readsResult = (request: ScriptRequest) => ({
  text: request.messages.some((m) => m.toolResults?.some((r) => r.output.includes("CHILD RESULT 42")))
    ? "read it"
    : "no result",
})

const isSummaryCall = (request: ScriptRequest) => lastUser(request) === SUMMARY_PROMPT
const sent = (request: ScriptRequest) => JSON.stringify(request.messages)
const RESULT = "CHILD RESULT 42 " + "r".repeat(3000)

test("a result delivered just before an automatic compaction is kept verbatim and read after the summary", async () => {
  const child = gate()
  const { engine, directory, calls } = testEngine({
    responder: byPrompt({
      [SUMMARY_PROMPT]: () => ({ text: "SUMMARY: one child dispatched" }),
      dispatch: (request) => {
        const results = lastToolResults(request)
        if (!results.length) return { toolCalls: [background("CHILD", "Slow job")], usage: { input: 100, output: 10 } }
        // The answer to the receipt reports a nearly full context: the next call would overflow.
        return { text: "dispatched", usage: { input: 1400, output: 10 } }
      },
      CHILD: async () => {
        await child.promise
        return { text: RESULT }
      },
    }),
    config: {
      provider: { scripted: { models: { test: { limit: { context: 2000, output: 500 } } } } },
      tandem: { background: { coalesce_ms: 0 } },
    },
  })
  own.push(engine)
  const parent = engine.store.createSession({ directory })
  await engine.runner.prompt(parent.id, say("dispatch"))
  expect(engine.store.messages(parent.id).some((m) => m.parts.some((p) => p.type === "compaction"))).toBe(false)
  const idle = idleAfter(engine, parent.id)
  child.release()
  await idle

  const parentCalls = calls.filter((c) => !lastUser(c).startsWith("CHILD"))
  const summaryCall = parentCalls.find(isSummaryCall)!
  expect(summaryCall).toBeDefined()
  expect(sent(summaryCall)).not.toContain("CHILD RESULT 42")
  const after = parentCalls.at(-1)!
  expect(isSummaryCall(after)).toBe(false)
  expect(sent(after)).toContain("SUMMARY: one child dispatched")
  expect(
    lastToolResults(after).length ? lastToolResults(after) : after.messages.flatMap((m) => m.toolResults ?? []),
  ).toEqual([expect.objectContaining({ name: "task_status", output: expect.stringContaining("CHILD RESULT 42") })])
  const [part] = synthetic(engine, parent.id)
  const request = engine.store.messages(parent.id).find((m) => m.parts.some((p) => p.type === "compaction"))!
  expect(request.parts[0]).toMatchObject({ auto: true, overflow: true, tail_start_id: part!.messageID })
  expect(part!.state.status === "completed" && part!.state.time.compacted).toBeUndefined()
})

test("a result that ends while a compaction runs is delivered after the summary, then read", async () => {
  const child = gate()
  const summaryHeld = gate()
  const summaryStarted = gate()
  const { engine, directory, calls } = setup(
    byPrompt(
      {
        [SUMMARY_PROMPT]: async () => {
          summaryStarted.release()
          await summaryHeld.promise
          return { text: "SUMMARY: one child dispatched" }
        },
        dispatch: dispatcher([background("CHILD", "Slow job")], "dispatched"),
        CHILD: async () => {
          await child.promise
          return { text: RESULT }
        },
      },
      readsResult,
    ),
  )
  const parent = engine.store.createSession({ directory })
  await engine.runner.prompt(parent.id, say("dispatch"))
  const summarized = engine.runner.summarize(parent.id, { providerID: "scripted", modelID: "test" })
  await summaryStarted.promise
  const ended = engine.bus.once(TaskUpdated, (e) => e.task.state === "completed")
  child.release()
  const { task } = await ended
  expect(engine.background.get(task.id)?.delivery).toBe("pending")
  expect(synthetic(engine, parent.id)).toHaveLength(0)
  summaryHeld.release()
  await summarized

  const messages = engine.store.messages(parent.id)
  const summary = messages.findIndex((m) => m.info.role === "assistant" && m.info.summary)
  const [part] = synthetic(engine, parent.id)
  expect(messages.findIndex((m) => m.info.id === part!.messageID)).toBeGreaterThan(summary)
  expect(engine.background.get(task.id)?.delivery).toBe("delivered")
  const parentCalls = calls.filter((c) => !lastUser(c).startsWith("CHILD"))
  expect(sent(parentCalls.find(isSummaryCall)!)).not.toContain("CHILD RESULT 42")
  expect(sent(parentCalls.at(-1)!)).toContain("CHILD RESULT 42")
  expect(messages.at(-1)!.parts.find((p) => p.type === "text")).toMatchObject({ text: "read it" })
})

test("pruning never clears a delivered result the model has not read, however old its turn", async () => {
  const children = gate()
  const { engine, directory } = setup(
    byPrompt({
      dispatch: dispatcher(
        Array.from({ length: 4 }, (_, i) => background(`CHILD ${i}`, `job ${i}`)),
        "dispatched",
      ),
      "CHILD ": async (request) => {
        await children.promise
        return { text: `${lastUser(request)} ` + "z".repeat(60_000) }
      },
    }),
    { result_chars: 100_000, resume_parent: false },
  )
  const parent = engine.store.createSession({ directory })
  await engine.runner.prompt(parent.id, say("dispatch"))
  const delivered = new Promise<void>((resolve) => {
    let n = 0
    engine.bus.on(TaskDelivered, () => ++n === 4 && resolve())
  })
  children.release()
  await delivered
  // Two turns that never reached the model: the results are old, but unread.
  for (const text of ["later", "later still"]) await engine.runner.prompt(parent.id, { ...say(text), noReply: true })
  expect(engine.runner.compaction.prune(parent.id)).toBe(0)
  expect(synthetic(engine, parent.id).some((p) => p.state.status === "completed" && p.state.time.compacted)).toBe(false)

  // Once the model has read them and two more turns went by, they are cleared like any old output:
  // each is about 15,000 tokens, so the newest two stay within the 40,000 kept.
  for (const text of ["read them", "one", "two"]) await engine.runner.prompt(parent.id, say(text))
  const compacted = synthetic(engine, parent.id).map((p) => p.state.status === "completed" && !!p.state.time.compacted)
  expect(compacted).toEqual([true, true, false, false])
})
