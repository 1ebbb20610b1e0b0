import { afterEach, expect, test } from "bun:test"
import path from "node:path"
import { testEngine, tempProject } from "@tandem/testing/fixture"
import { gate, lastToolResults, lastUser, type ScriptRequest } from "@tandem/testing/script"
import { TaskDelivered, TaskSteered, TaskUpdated } from "../../src/task/events"
import { byPrompt, background, dispatcher, setup, say, synthetic, idleAfter, closeEngines } from "./harness"

// Steering: a message to a running child reaches it at its next step boundary, as a user message.

afterEach(closeEngines)

/** Waits for `held`, or for the call to be aborted (an engine closing mid-call). */
const heldUntil = (held: ReturnType<typeof gate>, request: ScriptRequest) =>
  Promise.race([
    held.promise,
    new Promise<void>((resolve) => request.signal?.addEventListener("abort", () => resolve(), { once: true })),
  ])

test("a busy child takes a steering message at its next step boundary, as the last user message", async () => {
  const entered = gate()
  const release = gate()
  const { engine, directory, calls } = setup(
    byPrompt({
      go: dispatcher([background("CHILD work")], "dispatched"),
      "CHILD work": async (request) => {
        entered.release()
        await heldUntil(release, request)
        return { text: "first answer" }
      },
      "also look at the tests": () => ({ text: "steered answer" }),
    }),
    { resume_parent: false },
  )
  const parent = engine.store.createSession({ directory })
  await engine.runner.prompt(parent.id, say("go"))
  await entered.promise
  const [task] = engine.background.list(parent.id)
  const sent = engine.background.steering.send(task!.id, "also look at the tests")
  expect(sent).toMatchObject({ kind: "queued", task: { id: task!.id } })
  const steered = engine.bus.once(TaskSteered, (e) => e.taskID === task!.id)
  const ended = engine.bus.once(TaskUpdated, (e) => e.task.id === task!.id && e.task.state === "completed")
  release.release()
  const event = await steered
  await ended
  const childCalls = calls.filter((c) => c.messages[0]?.text === "CHILD work")
  expect(childCalls.map(lastUser)).toEqual(["CHILD work", "also look at the tests"])
  expect(childCalls[1]!.messages.at(-1)).toMatchObject({ role: "user", text: "also look at the tests" })
  expect(engine.store.getMessage(task!.sessionID, event.messageID)?.info.role).toBe("user")
  expect(engine.background.get(task!.id)).toMatchObject({ state: "completed", result: "steered answer" })
})

test("a child idle between steps, waiting on its own task, is resumed to take the message at once", async () => {
  const grandchild = gate()
  const { engine, directory, calls } = setup(
    byPrompt({
      go: dispatcher([background("CHILD mid")], "dispatched"),
      "CHILD mid": dispatcher([background("CHILD leaf")], "waiting for leaf", () => ({ text: "mid done" })),
      "CHILD leaf": async () => {
        await grandchild.promise
        return { text: "leaf done" }
      },
      // Told first; answers the leaf's result once it is delivered after the message.
      "change of plan": (request) => ({ text: lastToolResults(request).length ? "mid done" : "noted" }),
    }),
  )
  const parent = engine.store.createSession({ directory })
  const midRunning = engine.bus.once(
    TaskUpdated,
    (e) => e.task.description === "CHILD mid" && e.task.state === "running",
  )
  await engine.runner.prompt(parent.id, say("go"))
  const [mid] = engine.background.list(parent.id)
  await midRunning
  await idleAfter(engine, mid!.sessionID)
  expect(engine.runner.isBusy(mid!.sessionID)).toBe(false)
  const answered = idleAfter(engine, mid!.sessionID)
  engine.background.steering.send(mid!.sessionID, "change of plan")
  await answered
  expect(calls.map(lastUser)).toContain("change of plan")
  expect(engine.background.get(mid!.id)!.state).toBe("running")
  const ended = engine.bus.once(TaskUpdated, (e) => e.task.id === mid!.id && e.task.state === "completed")
  grandchild.release()
  await ended
  expect(engine.background.get(mid!.id)!.result).toBe("mid done")
})

test("a task still queued behind the caps reads the message right after its prompt", async () => {
  const first = gate()
  const { engine, directory, calls } = setup(
    byPrompt({
      go: dispatcher([background("CHILD one"), background("CHILD two")], "dispatched"),
      "CHILD one": async () => {
        await first.promise
        return { text: "one done" }
      },
      "in French, please": () => ({ text: "deux" }),
    }),
    { resume_parent: false, max_running: 1 },
  )
  const parent = engine.store.createSession({ directory })
  await engine.runner.prompt(parent.id, say("go"))
  const two = engine.background.list(parent.id).find((t) => t.description === "CHILD two")!
  expect(two.state).toBe("queued")
  expect(engine.background.steering.send(two.id, "in French, please")).toMatchObject({ kind: "queued" })
  const ended = engine.bus.once(TaskUpdated, (e) => e.task.id === two.id && e.task.state === "completed")
  first.release()
  expect((await ended).task.result).toBe("deux")
  const call = calls.find((c) => c.messages[0]?.text === "CHILD two")!
  expect(call.messages).toEqual([
    { role: "user", text: "CHILD two" },
    { role: "user", text: "in French, please" },
  ])
})

test("a finished task takes no message; an unknown one is not found", async () => {
  const { engine, directory } = setup(byPrompt({ go: dispatcher([background("CHILD quick")], "dispatched") }), {
    resume_parent: false,
  })
  const parent = engine.store.createSession({ directory })
  const ended = engine.bus.once(TaskUpdated, (e) => e.task.state === "completed")
  await engine.runner.prompt(parent.id, say("go"))
  const { task } = await ended
  expect(engine.background.steering.send(task.id, "too late")).toMatchObject({ kind: "finished" })
  expect(engine.background.steering.send("tsk_unknown", "hello")).toEqual({ kind: "not-found" })
})

test("aborting a running child's session cancels its task, delivered to the parent as cancelled", async () => {
  const entered = gate()
  const { engine, directory } = setup(
    byPrompt({
      go: dispatcher([background("CHILD long")], "dispatched"),
      "CHILD long": async (request) => {
        entered.release()
        await heldUntil(gate(), request)
        return { text: "unreachable" }
      },
    }),
    { resume_parent: false },
  )
  const parent = engine.store.createSession({ directory })
  await engine.runner.prompt(parent.id, say("go"))
  await entered.promise
  const [task] = engine.background.list(parent.id)
  const delivered = engine.bus.once(TaskDelivered, (e) => e.taskID === task!.id)
  expect(engine.runner.abort(task!.sessionID)).toBe(true)
  await delivered
  expect(engine.background.get(task!.id)).toMatchObject({ state: "cancelled", delivery: "delivered" })
  const [part] = synthetic(engine, parent.id)
  expect(part!.state.status === "error" && part!.state.error).toStartWith(
    "Task cancelled: the child's session was aborted",
  )
})

test("aborting the session of a task still queued behind the caps cancels it before it runs", async () => {
  const first = gate()
  const { engine, directory, calls } = setup(
    byPrompt({
      go: dispatcher([background("CHILD one"), background("CHILD two")], "dispatched"),
      "CHILD one": async () => {
        await first.promise
        return { text: "one done" }
      },
    }),
    { resume_parent: false, max_running: 1 },
  )
  const parent = engine.store.createSession({ directory })
  await engine.runner.prompt(parent.id, say("go"))
  const two = engine.background.list(parent.id).find((t) => t.description === "CHILD two")!
  expect(two.state).toBe("queued")
  const cancelled = engine.bus.once(TaskUpdated, (e) => e.task.id === two.id && e.task.state === "cancelled")
  engine.sessions.abort(two.sessionID)
  expect((await cancelled).task.reason).toBe("the child's session was aborted")
  const one = engine.background.list(parent.id).find((t) => t.description === "CHILD one")!
  const ended = engine.bus.once(TaskUpdated, (e) => e.task.id === one.id && e.task.state === "completed")
  first.release()
  await ended
  await engine.background.settled(parent.id)
  expect(calls.some((c) => c.messages[0]?.text === "CHILD two")).toBe(false)
})

test("a queued steering message survives a restart and reaches the resumed child first", async () => {
  const dbFile = path.join(tempProject("tandem-steer-"), "steer.db")
  const directory = tempProject()
  const entered = gate()
  const config = { tandem: { background: { resume_parent: false, coalesce_ms: 25 } } }
  const first = testEngine({
    directory,
    dbFile,
    config,
    responder: byPrompt({
      go: dispatcher([background("CHILD slow")], "dispatched"),
      "CHILD slow": async (request) => {
        entered.release()
        await heldUntil(gate(), request)
        return { text: "unreachable" }
      },
    }),
  })
  const parent = first.engine.store.createSession({ directory })
  await first.engine.runner.prompt(parent.id, say("go"))
  await entered.promise
  const [task] = first.engine.background.list(parent.id)
  first.engine.background.steering.send(task!.id, "after the restart, summarise")
  await first.engine.close()

  const second = testEngine({
    directory,
    dbFile,
    config,
    responder: byPrompt({ "after the restart": () => ({ text: "summary" }) }, () => ({ text: "other" })),
  })
  const ended = second.engine.bus.once(TaskUpdated, (e) => e.task.id === task!.id && e.task.state === "completed")
  expect(second.engine.recovery.resumed).toContain(task!.id)
  await ended
  const result = second.engine.background.get(task!.id)?.result
  await second.engine.close()
  expect(second.calls.map(lastUser)).toEqual(["after the restart, summarise"])
  expect(result).toBe("summary")
})
