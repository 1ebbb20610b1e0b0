import { afterEach, expect, test } from "bun:test"
import path from "node:path"
import { record, tempProject } from "@tandem/testing/fixture"
import { gate, lastUser, type Responder } from "@tandem/testing/script"
import { TaskDelivered } from "../../src/task/events"
import { background, byPrompt, closeEngines, dispatcher, say, setup, synthetic } from "./harness"

// One resumer of an idle parent (task/delivery.ts, storage/leases.ts `claimTurn`): two processes
// on one file that both see results waiting for a parent never run its loop at once.

afterEach(closeEngines)

/** One process of the project on the shared data file. */
const engineOn = (dbFile: string, directory: string, responder: Responder) =>
  setup(responder, {}, { dbFile, directory }).engine

test("two processes race to resume the same idle parent: one loop runs at a time, each result delivered once", async () => {
  const directory = tempProject()
  const dbFile = path.join(tempProject("tandem-resume-"), "resume.db")
  const parentHeld = gate()
  const secondChild = gate()
  const parentCalled = Promise.withResolvers<void>()
  const secondLoop = Promise.withResolvers<void>()
  let active = 0
  let most = 0
  // Both processes answer with the same script; `active` counts the parent's model calls in flight.
  const responder = byPrompt({
    fan: dispatcher([background("CHILD 0"), background("CHILD 1")], "dispatched", () => ({ text: "unused" })),
    CHILD: async (request) => {
      if (lastUser(request) === "CHILD 1") await secondChild.promise
      return { text: "child done" }
    },
  })
  const parentTurn: Responder = async (request) => {
    const turn = await responder(request)
    if (!("text" in turn) || turn.text !== "unused") return turn
    most = Math.max(most, ++active)
    parentCalled.resolve()
    if (active > 1) secondLoop.resolve()
    await parentHeld.promise
    active--
    return { text: "got results" }
  }
  const a = engineOn(dbFile, directory, parentTurn)
  const b = engineOn(dbFile, directory, parentTurn)
  const delivered = [record(a.bus, TaskDelivered), record(b.bus, TaskDelivered)]
  const parent = a.store.createSession({ directory })
  const prompted = a.runner.prompt(parent.id, say("fan"))

  // CHILD 0's result reached the parent in A (at a step boundary or by resuming it), whose model
  // call is held: A holds the parent's turn.
  await parentCalled.promise
  secondChild.release()
  while (!a.background.list(parent.id).every((t) => t.state === "completed")) await Bun.sleep(5)
  await a.writes.committed()
  // B sees CHILD 1's result waiting for a parent it thinks idle, and tries to deliver and resume.
  b.background.onIdle(parent.id)
  await Promise.race([secondLoop.promise, Bun.sleep(300)])
  parentHeld.release()
  await prompted
  await a.background.settled(parent.id)

  expect(most).toBe(1)
  expect(delivered.flat()).toHaveLength(2)
  expect(new Set(delivered.flat().map((e) => e.taskID)).size).toBe(2)
  expect(synthetic(a, parent.id)).toHaveLength(2)
  expect(a.background.list(parent.id).map((t) => t.delivery)).toEqual(["delivered", "delivered"])
  expect(a.store.integrityCheck()).toBe("ok")
}, 30_000)
