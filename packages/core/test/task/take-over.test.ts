import { afterEach, expect, test } from "bun:test"
import { Database } from "bun:sqlite"
import os from "node:os"
import path from "node:path"
import { tempProject } from "@tandem/testing/fixture"
import { gate, type Responder } from "@tandem/testing/script"
import { LEASE_MS } from "../../src/storage/instances"
import { TaskDelivered } from "../../src/task/events"
import type { RecoveryReport } from "../../src/task/recovery"
import {
  answersWhenReleased,
  background,
  byPrompt,
  closeEngine,
  closeEngines,
  dispatcher,
  say,
  setup,
  synthetic,
} from "./harness"

// Take-over of a dead owner's work by live processes of its project (task/owners.ts, storage/leases.ts).

afterEach(closeEngines)

const CHILDREN = 6
const calls = Array.from({ length: CHILDREN }, (_, i) => background(`CHILD ${i}`))

/** One process of the project on the shared data file. */
const engineOn = (dbFile: string, directory: string, responder: Responder) =>
  setup(responder, { max_attempts: 3 }, { dbFile, directory }).engine

/** A pid that belonged to a process of this host and is gone now. */
async function deadPid() {
  const child = Bun.spawn(["true"])
  await child.exited
  return child.pid
}

/** A process of `directory` with a parent whose children are running (held): its open work. */
async function owning(dbFile: string, directory: string) {
  const held = gate()
  const owner = engineOn(
    dbFile,
    directory,
    byPrompt({ fan: dispatcher(calls, "dispatched"), CHILD: answersWhenReleased(held, "never") }),
  )
  const parent = owner.store.createSession({ directory })
  await owner.runner.prompt(parent.id, say("fan"))
  /** The owner stops; its open work is left for others. */
  const stop = async () => {
    await closeEngine(owner)
  }
  return { parent, stop }
}

/** Gives every open task to a fake instance row of `pid` with a fresh lease, as if it ran them. */
function fakeOwner(dbFile: string, directory: string, pid: number) {
  const db = new Database(dbFile)
  db.run("pragma busy_timeout = 5000")
  const id = `ins_dead${pid}`
  db.query(
    "insert into instance (id, pid, host, directory, url, started, lease_until) values (?, ?, ?, ?, null, ?, ?)",
  ).run(id, pid, os.hostname(), directory, Date.now(), Date.now() + LEASE_MS)
  db.query("update task set owner = ? where state in ('queued', 'running')").run(id)
  db.close()
}

const finishing: Responder = byPrompt({
  fan: dispatcher(calls, "dispatched", () => ({ text: "got results" })),
  CHILD: () => ({ text: "child done" }),
})

test("two live processes race for a dead owner's tasks: each task is taken by exactly one, delivered once", async () => {
  const directory = tempProject()
  const dbFile = path.join(tempProject("tandem-race-"), "race.db")
  const { parent, stop } = await owning(dbFile, directory)
  const a = engineOn(dbFile, directory, finishing)
  const b = engineOn(dbFile, directory, finishing)
  const taken = new Map<string, RecoveryReport[]>([
    ["a", []],
    ["b", []],
  ])
  a.owners.onTakeOver = (report) => taken.get("a")!.push(report)
  b.owners.onTakeOver = (report) => taken.get("b")!.push(report)
  const delivered: string[] = []
  const all = new Promise<void>((resolve) => {
    for (const engine of [a, b])
      engine.bus.on(TaskDelivered, ({ taskID }) => delivered.push(taskID) === CHILDREN && resolve())
  })

  await stop()
  a.owners.heartbeat()
  b.owners.heartbeat()
  await all
  // Each process that took tasks delivers them and resumes the parent; wait for those (another
  // engine's view of the file only changes when the deliverer's group commits).
  const takers = [a, b].filter((_, i) => taken.get(i ? "b" : "a")!.length)
  await Promise.all(takers.map((engine) => engine.background.settled(parent.id)))

  const resumed = [...taken.values()].flat().flatMap((report) => report.resumed)
  expect(resumed).toHaveLength(CHILDREN)
  expect(new Set(resumed).size).toBe(CHILDREN)
  expect(delivered.sort()).toEqual(resumed.sort())
  const tasks = a.background.list(parent.id)
  expect(tasks.map((t) => [t.state, t.delivery, t.attempts])).toEqual(
    Array.from({ length: CHILDREN }, () => ["completed", "delivered", 2]),
  )
  expect(synthetic(a, parent.id)).toHaveLength(CHILDREN)
  expect(a.store.integrityCheck()).toBe("ok")
}, 30_000)

test("a live owner's tasks are left alone; a dead owner's are taken only by a process of its project", async () => {
  const directory = tempProject()
  const elsewhere = tempProject()
  const dbFile = path.join(tempProject("tandem-own-"), "own.db")
  const { parent, stop } = await owning(dbFile, directory)
  await stop()
  fakeOwner(dbFile, directory, process.pid)
  const other = engineOn(dbFile, elsewhere, finishing)
  other.owners.heartbeat()
  const mine = engineOn(dbFile, directory, finishing)
  expect(mine.recovery.resumed).toEqual([])
  expect(other.recovery.resumed).toEqual([])
  expect(mine.background.list(parent.id).every((t) => t.state === "running")).toBe(true)

  fakeOwner(dbFile, directory, await deadPid())
  const done = new Promise<void>((resolve) => {
    let count = 0
    mine.bus.on(TaskDelivered, () => ++count === CHILDREN && resolve())
  })
  other.owners.heartbeat()
  mine.owners.heartbeat()
  await done
  await mine.background.settled(parent.id)
  expect(mine.background.list(parent.id).every((t) => t.delivery === "delivered")).toBe(true)
  expect(synthetic(mine, parent.id)).toHaveLength(CHILDREN)
  expect(mine.store.integrityCheck()).toBe("ok")
}, 30_000)
