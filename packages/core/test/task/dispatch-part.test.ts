import { afterEach, expect, test } from "bun:test"
import { gate, lastToolResults, lastUser, type ScriptRequest } from "@tandem/testing/script"
import { INTERRUPTED_TOOL } from "../../src/session/to-model"
import { TaskDelivered, TaskUpdated } from "../../src/task/events"
import { settleDispatchParts } from "../../src/task/dispatch-part"
import { closeInterrupted } from "../../src/session/close-interrupted"
import type { ToolPart } from "../../src/session/message"
import { background, setup, say, closeEngines, dispatchParts } from "./harness"

// A background dispatch's own tool part shows its task as it stands: queued and running are not
// successes, an end is completed or an error with the reason; the model reads the receipt throughout.

afterEach(closeEngines)

test("a task waiting behind a cap is running-and-queued, never a green tick; each part follows its task to its end", async () => {
  const gates = [gate(), gate()]
  const requests: ScriptRequest[] = []
  const { engine, directory } = setup(
    (request) => {
      const said = lastUser(request)
      if (said.startsWith("CHILD")) return gates[Number(said.split(" ")[1])]!.promise.then(() => ({ text: "done" }))
      requests.push(request)
      if (!lastToolResults(request).length)
        return {
          toolCalls: [background("CHILD 0", "First"), background("CHILD 1", "Second"), background("CHILD 2", "Third")],
        }
      return { text: "noted" }
    },
    { max_running_per_session: 1, resume_parent: false },
  )
  const parent = engine.store.createSession({ directory })
  await engine.runner.prompt(parent.id, say("go"))
  const receipts = lastToolResults(requests[1]!).map((r) => r.output)
  expect(receipts).toHaveLength(3)
  for (const receipt of receipts) expect(receipt).toStartWith("Background task started: ")

  const [first, second, third] = dispatchParts(engine, parent.id)
  expect(first!.state).toMatchObject({ status: "running", title: "First", metadata: { state: "running" } })
  for (const part of [second!, third!]) {
    expect(part.state.status).toBe("running")
    expect(part.state).toMatchObject({ metadata: { state: "queued", queued: true, background: true } })
    expect(part.state.status === "running" && part.state.title).toEndWith("(queued)")
  }
  expect(
    dispatchParts(engine, parent.id).map((p) => p.state.status === "running" && p.state.metadata?.receipt),
  ).toEqual(receipts)

  const [, , queued] = engine.background.list(parent.id)
  engine.background.cancel(queued!.id, "not needed")
  expect(dispatchParts(engine, parent.id)[2]!.state).toMatchObject({
    status: "error",
    error: "Task cancelled: not needed",
    metadata: { state: "cancelled", sessionId: queued!.sessionID },
  })

  const secondStarts = engine.bus.once(
    TaskUpdated,
    (e) => e.task.description === "Second" && e.task.state === "running",
  )
  gates[0]!.release()
  await secondStarts
  const [done, running] = dispatchParts(engine, parent.id)
  expect(done!.state).toMatchObject({ status: "completed", output: receipts[0], metadata: { state: "completed" } })
  expect(running!.state).toMatchObject({
    status: "running",
    title: "Second",
    metadata: { state: "running", queued: false },
  })

  const allDelivered = engine.bus.once(TaskDelivered, () =>
    engine.background.list(parent.id).every((t) => t.delivery !== "pending"),
  )
  gates[1]!.release()
  await allDelivered
  expect(dispatchParts(engine, parent.id).map((p) => p.state.status)).toEqual(["completed", "completed", "error"])

  // The next call still reads each dispatch call answered by its receipt: the prefix did not change.
  await engine.runner.prompt(parent.id, say("and now?"))
  const later = requests.at(-1)!.messages.flatMap((m) => (m.role === "tool" ? (m.toolResults ?? []) : []))
  expect(later.slice(0, 3).map((r) => r.output)).toEqual(receipts)
  expect(later.map((r) => r.output)).not.toContain(INTERRUPTED_TOOL)
})

test("at start, a dispatch part left running is brought to its task's end, and one whose task is gone ends as an error", async () => {
  const held = gate()
  const { engine, directory } = setup(
    (request) => {
      if (lastUser(request).startsWith("CHILD")) return held.promise.then(() => ({ text: "done" }))
      if (!lastToolResults(request).length)
        return { toolCalls: [background("CHILD a", "A"), background("CHILD b", "B")] }
      return { text: "noted" }
    },
    { resume_parent: false },
  )
  const parent = engine.store.createSession({ directory })
  await engine.runner.prompt(parent.id, say("go"))
  const [a, b] = engine.background.list(parent.id)
  expect(dispatchParts(engine, parent.id).map((p) => p.state.status)).toEqual(["running", "running"])
  // As a process that stopped after ending A in the ledger but before writing its part would leave them.
  const ended = { ...a!, state: "completed" as const, time: { ...a!.time, ended: Date.now() } }
  const lookup = (id: string) => (id === a!.id ? ended : undefined)
  // The close of a stopped process's parts leaves dispatch parts open and hands them over.
  const answered: ToolPart[] = []
  closeInterrupted(engine.store, "stopped", { sessions: [parent.id] }, (part) => answered.push(part))
  expect(answered.map((p) => p.id)).toEqual(dispatchParts(engine, parent.id).map((p) => p.id))
  expect(dispatchParts(engine, parent.id).map((p) => p.state.status)).toEqual(["running", "running"])
  settleDispatchParts(engine.store, lookup, answered)
  const [partA, partB] = dispatchParts(engine, parent.id)
  expect(partA!.state).toMatchObject({ status: "completed", metadata: { state: "completed", taskID: a!.id } })
  expect(partB!.state).toMatchObject({ status: "error", error: "Task gone: its session was deleted" })
  expect(partB!.state.status === "error" && partB!.state.metadata?.taskID).toBe(b!.id)
  held.release()
})

test("a fork copies a running dispatch part as completed with its receipt: the task reports to the original only", async () => {
  const held = gate()
  const { engine, directory } = setup(
    (request) => {
      if (lastUser(request).startsWith("CHILD")) return held.promise.then(() => ({ text: "done" }))
      if (!lastToolResults(request).length) return { toolCalls: [background("CHILD a", "A")] }
      return { text: "noted" }
    },
    { resume_parent: false },
  )
  const parent = engine.store.createSession({ directory })
  await engine.runner.prompt(parent.id, say("go"))
  const fork = engine.history.fork(parent.id)
  if ("refused" in fork) throw new Error(fork.message)
  const [original] = dispatchParts(engine, parent.id)
  const [copy] = dispatchParts(engine, fork.id)
  expect(original!.state.status).toBe("running")
  const receipt = original!.state.status === "running" ? original!.state.metadata?.receipt : undefined
  expect(copy!.state).toMatchObject({ status: "completed", output: receipt, metadata: { state: "running" } })
  held.release()
})
