import { afterEach, expect, test } from "bun:test"
import { Database } from "bun:sqlite"
import path from "node:path"
import { record, tempProject } from "@tandem/testing/fixture"
import { gate, type Responder } from "@tandem/testing/script"
import type { Engine } from "../../src/engine"
import { WriteGroup } from "../../src/storage/write-group"
import { TaskDelivered, TaskUpdated } from "../../src/task/events"
import { TERMINAL } from "../../src/task/task-info"
import { background, byPrompt, closeEngines, dispatcher, say, setup, synthetic, type Handler } from "./harness"

// The fence (task/ledger.ts, task/task-runs.ts): a process whose tasks another process took over
// (it looked dead: its lease expired) can no longer end them or deliver their results.

afterEach(closeEngines)

const CHILDREN = 3
const calls = Array.from({ length: CHILDREN }, (_, i) => background(`CHILD ${i}`))

/** One process of the project on the shared data file. */
const engineOn = (dbFile: string, directory: string, responder: Responder) =>
  setup(responder, { max_attempts: 3 }, { dbFile, directory }).engine

/** A child that answers `text` once `held` is released, and gives up when its loop is aborted. */
function child(held: ReturnType<typeof gate>, text: string, started: () => void): Handler {
  return async (request) => {
    started()
    const aborted = new Promise<void>((resolve) => request.signal?.addEventListener("abort", () => resolve()))
    await Promise.race([held.promise, aborted])
    return { text }
  }
}

/** Engine A runs a fan-out whose children are held; engine B, on the same file, takes A's tasks over. */
async function takenOver() {
  const directory = tempProject()
  const dbFile = path.join(tempProject("tandem-fence-"), "fence.db")
  const heldA = gate()
  const heldB = gate()
  let startedB = 0
  const allStartedB = Promise.withResolvers<void>()
  const a = engineOn(
    dbFile,
    directory,
    byPrompt({ fan: dispatcher(calls, "dispatched"), CHILD: child(heldA, "answer from A", () => {}) }),
  )
  const b = engineOn(
    dbFile,
    directory,
    byPrompt({
      fan: dispatcher(calls, "dispatched", () => ({ text: "got results" })),
      CHILD: child(heldB, "answer from B", () => ++startedB === CHILDREN && allStartedB.resolve()),
    }),
  )
  const parent = a.store.createSession({ directory })
  await a.runner.prompt(parent.id, say("fan"))
  const seen = {
    updatedA: record(a.bus, TaskUpdated),
    deliveredA: record(a.bus, TaskDelivered),
    deliveredB: record(b.bus, TaskDelivered),
  }
  // A's lease runs out (it was suspended, say): B's next heartbeat reaps it and takes its work.
  WriteGroup.commitAll()
  const db = new Database(dbFile)
  db.run("pragma busy_timeout = 5000")
  db.query("update instance set lease_until = 0 where id = ?").run(a.owners.id)
  db.close()
  b.owners.heartbeat()
  await allStartedB.promise
  return { a, b, parent, heldA, heldB, seen }
}

/** Waits until A's runs of the children have ended (their loops stopped and their runs returned). */
async function runsEnded(engine: Engine) {
  await engine.runner.settle()
  while (engine.background.scheduler.stats().running) await new Promise((resolve) => setTimeout(resolve, 5))
}

test("a run whose task was taken over cannot end it: exactly one delivery, the new owner's", async () => {
  const { a, b, parent, heldA, heldB, seen } = await takenOver()
  // A's children answer first: A's runs try to end the tasks, and the fence stops them.
  heldA.release()
  await runsEnded(a)
  expect(seen.updatedA.filter((e) => TERMINAL.has(e.task.state))).toEqual([])
  heldB.release()
  await b.background.settled(parent.id)

  expect(seen.deliveredA).toEqual([])
  expect(seen.deliveredB).toHaveLength(CHILDREN)
  const results = synthetic(b, parent.id).map((part) => (part.state.status === "completed" ? part.state.output : ""))
  expect(results).toHaveLength(CHILDREN)
  for (const output of results) {
    expect(output).toContain("answer from B")
    expect(output).not.toContain("answer from A")
  }
  expect(b.background.list(parent.id).map((t) => [t.state, t.delivery, t.attempts])).toEqual(
    Array.from({ length: CHILDREN }, () => ["completed", "delivered", 2]),
  )
  expect(b.store.integrityCheck()).toBe("ok")
}, 30_000)

test("a heartbeat of the process that lost its tasks stops their runs there, without a word", async () => {
  const { a, b, parent, heldB, seen } = await takenOver()
  a.owners.heartbeat()
  await runsEnded(a)
  expect(seen.updatedA.filter((e) => TERMINAL.has(e.task.state))).toEqual([])
  expect(a.background.list(parent.id).every((t) => t.state === "running")).toBe(true)
  heldB.release()
  await b.background.settled(parent.id)
  expect(seen.deliveredA).toEqual([])
  expect(seen.deliveredB).toHaveLength(CHILDREN)
  expect(synthetic(b, parent.id)).toHaveLength(CHILDREN)
  expect(b.store.integrityCheck()).toBe("ok")
}, 30_000)
