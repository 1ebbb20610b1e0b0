import { afterEach, expect, test } from "bun:test"
import { record } from "@tandem/testing/fixture"
import { gate, lastToolResults, lastUser } from "@tandem/testing/script"
import { SessionIdle } from "../../src/session/events"
import { TaskDelivered, TaskUpdated } from "../../src/task/events"
import type { ToolPart } from "../../src/session/message"
import {
  byPrompt,
  background,
  dispatcher,
  setup,
  answersWhenReleased,
  say,
  texts,
  synthetic,
  idleAfter,
  closeEngines,
  resultsIn,
} from "./harness"

// Delivery of background results: where they go, when, how many per turn, exactly once.

afterEach(closeEngines)

test("non-blocking, proven by order: the parent answers a second message while the child is held", async () => {
  const child = gate()
  const { engine, directory, calls } = setup(
    byPrompt({
      dispatch: dispatcher([background("CHILD slow", "Slow job")], "dispatched"),
      question: (request) =>
        lastToolResults(request).length
          ? { text: `got: ${lastToolResults(request)[0]!.output.includes("child finished")}` }
          : { text: "answer while the child works" },
      "CHILD slow": answersWhenReleased(child, "child finished"),
    }),
  )
  const parent = engine.store.createSession({ directory })
  const first = await engine.runner.prompt(parent.id, say("dispatch"))
  expect(first.parts.find((p) => p.type === "text")).toMatchObject({ text: "dispatched" })
  const [task] = engine.background.list(parent.id)
  expect(task).toMatchObject({ state: "running", description: "Slow job", delivery: "pending" })
  const receipt = engine.store.messages(parent.id)[1]!.parts.find((p) => p.type === "tool") as ToolPart
  // The dispatch part follows its task (running while the child is held); the receipt it answered with is kept.
  expect(receipt.state).toMatchObject({ status: "running", metadata: { state: "running", taskID: task!.id } })
  expect(receipt.state.status === "running" && String(receipt.state.metadata?.receipt)).toContain(task!.id)

  const second = await engine.runner.prompt(parent.id, say("question"))
  expect(second.parts.find((p) => p.type === "text")).toMatchObject({ text: "answer while the child works" })
  expect(child.open).toBe(false)
  expect(engine.background.get(task!.id)?.state).toBe("running")
  // Append only, but for the dispatch part's state, which follows its task (the model keeps reading the receipt).
  const stored = () =>
    JSON.stringify(
      engine.store.messages(parent.id).map(({ info, parts }) => ({
        info,
        parts: parts.map((p) => (p.id === receipt.id ? { ...p, state: undefined } : p)),
      })),
    )
  const before = stored()

  const delivered = engine.bus.once(TaskDelivered)
  child.release()
  expect(await delivered).toMatchObject({ taskID: task!.id, parentSessionID: parent.id, via: "idle" })
  await idleAfter(engine, parent.id)

  expect(texts(engine, parent.id).at(-1)).toBe("got: true")
  expect(stored().startsWith(before.slice(0, -1))).toBe(true)
  const [part] = synthetic(engine, parent.id)
  expect(part!.state).toMatchObject({ status: "completed", input: { description: "Slow job", task_id: task!.id } })
  expect(part!.state.status === "completed" && part!.state.output).toContain('state="completed"')
  expect(engine.background.get(task!.id)).toMatchObject({
    state: "completed",
    delivery: "delivered",
    result: "child finished",
  })
  const parentCalls = calls.filter((c) => !lastUser(c).startsWith("CHILD"))
  expect(parentCalls.at(-1)!.messages.at(-1)).toMatchObject({ role: "tool", toolResults: [{ name: "task_status" }] })
  // What the model was sent only grew at its end: the earlier call's messages open the later one's.
  const [earlier, later] = [parentCalls.at(-2)!.messages, parentCalls.at(-1)!.messages]
  expect(later.slice(0, earlier.length)).toEqual(earlier)
})

test("busy parent: a result is drained at the next step boundary, after that step's own tool results", async () => {
  const child = gate()
  const inStep2 = gate()
  const step2 = gate()
  let step = 0
  const { engine, directory, calls } = setup(
    byPrompt({
      work: async (request) => {
        step++
        if (step === 1) return { toolCalls: [background("CHILD quick")] }
        if (step === 2) {
          inStep2.release()
          await step2.promise
          return { toolCalls: [{ name: "glob", input: { pattern: "*.none" } }] }
        }
        const names = request.messages.flatMap((m) => m.toolResults?.map((r) => r.name) ?? [])
        return { text: `order: ${names.join(",")}` }
      },
      "CHILD quick": answersWhenReleased(child, "quick result"),
    }),
  )
  const parent = engine.store.createSession({ directory })
  const reply = engine.runner.prompt(parent.id, say("work"))
  const done = engine.bus.once(TaskUpdated, (e) => e.task.state === "completed")
  // The child ends while the parent's second model call is under way, not at the boundary before it.
  await inStep2.promise
  child.release()
  await done
  expect(engine.runner.isBusy(parent.id)).toBe(true)
  const delivered = record(engine.bus, TaskDelivered)
  step2.release()
  const final = await reply
  expect(final.parts.find((p) => p.type === "text")).toMatchObject({ text: "order: task,glob,task_status" })
  expect(delivered).toEqual([expect.objectContaining({ via: "step" })])
  expect(calls.filter((c) => lastUser(c) === "work")).toHaveLength(3)
})

test("results that end close together reach the parent in one model turn", async () => {
  const release = gate()
  const { engine, directory, calls } = setup(
    byPrompt({
      fan: dispatcher(
        [background("CHILD a"), background("CHILD b"), background("CHILD c")],
        "dispatched three",
        (request) => ({
          text: `results: ${resultsIn(request)}`,
        }),
      ),
      CHILD: async (request) => {
        await release.promise
        return { text: `done ${lastUser(request)}` }
      },
    }),
    { coalesce_ms: 300 },
  )
  const parent = engine.store.createSession({ directory })
  await engine.runner.prompt(parent.id, say("fan"))
  const turnsBefore = calls.filter((c) => lastUser(c) === "fan").length
  const delivered = record(engine.bus, TaskDelivered)
  const allDone = engine.bus.once(TaskDelivered, () => delivered.length === 3)
  release.release()
  await allDone
  await idleAfter(engine, parent.id)
  expect(new Set(delivered.map((d) => d.messageID)).size).toBe(1)
  expect(calls.filter((c) => lastUser(c) === "fan").length - turnsBefore).toBe(1)
  expect(texts(engine, parent.id).at(-1)).toBe("results: 3")
})

test("the last unfinished task's result is delivered at once, without waiting for the window", async () => {
  const child = gate()
  const { engine, directory } = setup(
    byPrompt({
      fan: dispatcher([background("CHILD only")], "dispatched", () => ({ text: "read the result" })),
      "CHILD only": answersWhenReleased(child, "only result"),
    }),
    // A window far longer than the test may run: only the last-result rule can deliver in time.
    { coalesce_ms: 600_000, coalesce_max_ms: 600_000 },
  )
  const parent = engine.store.createSession({ directory })
  await engine.runner.prompt(parent.id, say("fan"))
  const delivered = engine.bus.once(TaskDelivered)
  const idle = engine.bus.once(SessionIdle, (e) => e.sessionID === parent.id)
  child.release()
  expect(await delivered).toMatchObject({ parentSessionID: parent.id, via: "idle" })
  await idle
  expect(texts(engine, parent.id).at(-1)).toBe("read the result")
})

test("exactly once: twenty concurrent completions, each delivered once, none twice", async () => {
  const release = gate()
  const n = 20
  const { engine, directory } = setup(
    byPrompt({
      many: dispatcher(
        Array.from({ length: n }, (_, i) => background(`CHILD ${i}`)),
        "dispatched",
        () => ({ text: "noted" }),
      ),
      CHILD: answersWhenReleased(release, "r"),
    }),
    { coalesce_ms: 0, max_running: 0, max_running_per_session: 0, max_running_per_model: 0 },
  )
  const parent = engine.store.createSession({ directory })
  await engine.runner.prompt(parent.id, say("many"))
  const delivered = record(engine.bus, TaskDelivered)
  const all = engine.bus.once(TaskDelivered, () => delivered.length === n)
  release.release()
  await all
  await engine.runner.settle()
  const ids = delivered.map((d) => d.taskID)
  expect(new Set(ids).size).toBe(n)
  expect(synthetic(engine, parent.id)).toHaveLength(n)
  expect(engine.background.list(parent.id).every((t) => t.delivery === "delivered" && t.state === "completed")).toBe(
    true,
  )
})

test("a coalescing window closes coalesce_max_ms after its first result, however long coalesce_ms is", async () => {
  const first = gate()
  const never = gate()
  const { engine, directory } = setup(
    byPrompt({
      fan: dispatcher([background("CHILD first"), background("CHILD never")], "dispatched", () => ({
        text: "one in",
      })),
      "CHILD first": answersWhenReleased(first, "first result"),
      "CHILD never": answersWhenReleased(never, "unreachable"),
    }),
    // coalesce_ms alone would hold the result past the test; the cap delivers it, with a sibling still running.
    { coalesce_ms: 600_000, coalesce_max_ms: 20 },
  )
  const parent = engine.store.createSession({ directory })
  await engine.runner.prompt(parent.id, say("fan"))
  const delivered = engine.bus.once(TaskDelivered)
  first.release()
  expect(await delivered).toMatchObject({ via: "idle" })
  await idleAfter(engine, parent.id)
  expect(texts(engine, parent.id).at(-1)).toBe("one in")
  expect(engine.background.list(parent.id).find((t) => t.description === "CHILD never")?.state).toBe("running")
  never.release()
})
