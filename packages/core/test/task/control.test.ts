import { afterEach, expect, test } from "bun:test"
import { record } from "@tandem/testing/fixture"
import { gate, lastToolResults } from "@tandem/testing/script"
import { SessionCreated } from "../../src/session/events"
import { TaskDelivered, TaskUpdated } from "../../src/task/events"
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
  dispatchParts,
} from "./harness"

// Control of background work: cancel, abort, delete, task_status, task_cancel, move to background.

afterEach(closeEngines)

test("cancel cascades to descendants, and a cancelled task still delivers a cancelled result", async () => {
  const never = gate()
  const { engine, directory } = setup(
    byPrompt({
      tree: dispatcher([background("CHILD middle")], "dispatched", (request) => ({
        text: lastToolResults(request)[0]!.output,
      })),
      "CHILD middle": dispatcher([background("CHILD leaf")], "middle waiting"),
      "CHILD leaf": answersWhenReleased(never, "unreachable"),
    }),
    { resume_parent: false },
  )
  const parent = engine.store.createSession({ directory })
  const leafRunning = engine.bus.once(
    TaskUpdated,
    (e) => e.task.description === "CHILD leaf" && e.task.state === "running",
  )
  await engine.runner.prompt(parent.id, say("tree"))
  await leafRunning
  const [middle] = engine.background.list(parent.id)
  const delivered = engine.bus.once(TaskDelivered, (e) => e.parentSessionID === parent.id)
  engine.background.cancel(middle!.id, "not needed")
  await delivered
  const [leaf] = engine.background.list(middle!.sessionID)
  expect(engine.background.get(middle!.id)).toMatchObject({ state: "cancelled", delivery: "delivered" })
  expect(leaf).toMatchObject({ state: "cancelled" })
  const [part] = synthetic(engine, parent.id)
  expect(part!.state.status).toBe("error")
  expect(part!.state.status === "error" && part!.state.error).toStartWith("Task cancelled: not needed\n")
  expect(part!.state.status === "error" && part!.state.error).toContain('state="cancelled"')
  never.release()
})

test("aborting the parent's turn leaves background tasks running; cancel_on_abort and deleting the parent cancel them", async () => {
  for (const cancelOnAbort of [false, true]) {
    const child = gate()
    const hold = gate()
    let step = 0
    const { engine, directory } = setup(
      byPrompt({
        go: async () => {
          step++
          if (step === 1) return { toolCalls: [background("CHILD held")] }
          await hold.promise
          return { text: "late" }
        },
        "CHILD held": answersWhenReleased(child, "held result"),
      }),
      { cancel_on_abort: cancelOnAbort, resume_parent: false },
    )
    const parent = engine.store.createSession({ directory })
    const running = engine.bus.once(TaskUpdated, (e) => e.task.state === "running")
    const reply = engine.runner.prompt(parent.id, say("go"))
    await running
    const cancelled = engine.bus.once(TaskUpdated, (e) => e.task.state === "cancelled")
    engine.runner.abort(parent.id)
    await reply
    if (cancelOnAbort) await cancelled
    const [task] = engine.background.list(parent.id)
    expect(task!.state).toBe(cancelOnAbort ? "cancelled" : "running")
    hold.release()
    if (!cancelOnAbort) {
      engine.sessions.delete(parent.id)
      expect((await cancelled).task.id).toBe(task!.id)
    }
    child.release()
  }
})

test("task_status waits for a result and collects it, so it is not delivered again", async () => {
  const child = gate()
  let step = 0
  const { engine, directory } = setup(
    byPrompt({
      wait: (request) => {
        step++
        if (step === 1) return { toolCalls: [background("CHILD waited")] }
        if (step === 2) {
          queueMicrotask(() => child.release())
          return { toolCalls: [{ name: "task_status", input: { wait: "all", timeout_ms: 10_000 } }] }
        }
        return { text: `status: ${lastToolResults(request)[0]!.output.includes("waited result")}` }
      },
      "CHILD waited": answersWhenReleased(child, "waited result"),
    }),
  )
  const parent = engine.store.createSession({ directory })
  const delivered = record(engine.bus, TaskDelivered)
  const reply = await engine.runner.prompt(parent.id, say("wait"))
  expect(reply.parts.find((p) => p.type === "text")).toMatchObject({ text: "status: true" })
  await engine.runner.settle()
  expect(engine.background.list(parent.id)[0]).toMatchObject({ state: "completed", delivery: "collected" })
  expect(delivered).toEqual([])
  expect(synthetic(engine, parent.id)).toEqual([])
})

test("task_cancel: the parent's model cancels its own task; other sessions' tasks are refused", async () => {
  const never = gate()
  let step = 0
  const { engine, directory } = setup(
    byPrompt({
      stop: (request) => {
        step++
        if (step === 1) return { toolCalls: [background("CHILD doomed")] }
        if (step === 2) {
          const id = /Background task started: (ses_\S+) /.exec(lastToolResults(request)[0]!.output)![1]!
          return {
            toolCalls: [
              { name: "task_cancel", input: { task_id: id } },
              { name: "task_cancel", input: { task_id: "tsk_other" } },
            ],
          }
        }
        const cancels = request.messages.flatMap((m) => m.toolResults ?? []).filter((r) => r.name === "task_cancel")
        return { text: cancels.map((r) => r.output.split("\n")[0]).join(" | ") }
      },
      "CHILD doomed": answersWhenReleased(never, "unreachable"),
    }),
    { resume_parent: false },
  )
  const parent = engine.store.createSession({ directory })
  const reply = await engine.runner.prompt(parent.id, say("stop"))
  const text = reply.parts.find((p) => p.type === "text")
  expect(text?.type === "text" && text.text).toMatch(
    /^Cancelled ses_.* \| no background task tsk_other in this session$/,
  )
  expect(engine.background.list(parent.id)[0]).toMatchObject({
    state: "cancelled",
    reason: "cancelled by the parent agent",
    delivery: "delivered",
  })
  never.release()
})

test("a running foreground task can be moved to the background", async () => {
  const child = gate()
  const { engine, directory } = setup(
    byPrompt({
      fg: (request) => {
        const results = lastToolResults(request)
        if (!results.length)
          return {
            toolCalls: [
              { name: "task", input: { description: "fg job", prompt: "CHILD fg", subagent_type: "general" } },
            ],
          }
        if (results[0]!.output.includes("Background task started")) return { text: "moved on" }
        return { text: `result: ${results[0]!.output.includes("fg result")}` }
      },
      "CHILD fg": answersWhenReleased(child, "fg result"),
    }),
  )
  const parent = engine.store.createSession({ directory })
  const childCreated = engine.bus.once(SessionCreated, (e) => e.info.parentID === parent.id)
  const reply = engine.runner.prompt(parent.id, say("fg"))
  await childCreated
  expect(engine.subagents.moveToBackground(parent.id)).toBe(1)
  expect((await reply).parts.find((p) => p.type === "text")).toMatchObject({ text: "moved on" })
  // The moved call's part follows its task as a dispatched one does: running now, not a success.
  const call = () => dispatchParts(engine, parent.id)[0]!
  expect(call().state).toMatchObject({ status: "running", metadata: { background: true, state: "running" } })
  const delivered = engine.bus.once(TaskDelivered)
  child.release()
  await delivered
  await idleAfter(engine, parent.id)
  expect(texts(engine, parent.id).at(-1)).toBe("result: true")
  expect(call().state).toMatchObject({ status: "completed", metadata: { state: "completed" } })
})
