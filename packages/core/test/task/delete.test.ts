import { afterEach, expect, test } from "bun:test"
import path from "node:path"
import { tempProject, testEngine } from "@tandem/testing/fixture"
import { gate } from "@tandem/testing/script"
import type { Engine } from "../../src/engine"
import { TaskDelivered, TaskUpdated } from "../../src/task/events"
import { newTask } from "../../src/task/new-task"
import { answersWhenReleased, background, byPrompt, dispatcher, say } from "./harness"

// Deleting a session removes everything below it, and nothing is delivered to it afterwards.

const engines: Engine[] = []
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close()
})

const held = gate()
const responder = byPrompt({
  fan: dispatcher(
    Array.from({ length: 5 }, (_, i) => background(`CHILD ${i}`)),
    "dispatched",
  ),
  "CHILD 0": () => ({ text: "quick" }),
  CHILD: answersWhenReleased(held, "slow"),
})

function open(dbFile: string, directory: string) {
  const { engine } = testEngine({
    responder,
    dbFile,
    directory,
    config: { tandem: { background: { coalesce_ms: 5_000, coalesce_max_ms: 5_000 } } },
  })
  engines.push(engine)
  return engine
}

function rows(engine: Engine) {
  const count = (sql: string) => (engine.store.db.query(sql).get() as { n: number }).n
  return {
    sessions: count("select count(*) as n from session"),
    strayMessages: count("select count(*) as n from message where session_id not in (select id from session)"),
    strayParts: count("select count(*) as n from part where session_id not in (select id from session)"),
    tasks: count("select count(*) as n from task"),
  }
}

test("deleting a parent during a fan-out: children, their messages, parts and tasks go; nothing is delivered", async () => {
  const directory = tempProject()
  const dbFile = path.join(tempProject("tandem-delete-"), "delete.db")
  const engine = open(dbFile, directory)
  const parent = engine.store.createSession({ directory })
  const firstDone = engine.bus.once(TaskUpdated, (e) => e.task.state === "completed")
  await engine.runner.prompt(parent.id, say("fan"))
  await firstDone
  const cancelled: string[] = []
  engine.bus.on(TaskUpdated, ({ task }) => task.state === "cancelled" && cancelled.push(task.id))
  const delivered: string[] = []
  engine.bus.on(TaskDelivered, ({ taskID }) => delivered.push(taskID))
  const running = engine.background.list(parent.id).filter((t) => t.state === "running")
  expect(running).toHaveLength(4)

  const removed = engine.sessions.delete(parent.id)
  expect(removed).toHaveLength(6)
  held.release()
  await engine.runner.settle()
  engines.splice(engines.indexOf(engine), 1)
  await engine.close()

  expect(cancelled.sort()).toEqual(running.map((t) => t.id).sort())
  expect(delivered).toEqual([])
  const again = open(dbFile, directory)
  expect(rows(again)).toEqual({ sessions: 0, strayMessages: 0, strayParts: 0, tasks: 0 })
  expect(again.recovery).toEqual({ closed: [], resumed: [], interrupted: [], delivered: [] })
  expect(again.store.integrityCheck()).toBe("ok")
})

test("tasks a version without whole deletes left under a deleted parent are dropped, not reported delivered", () => {
  const directory = tempProject()
  const dbFile = path.join(tempProject("tandem-delete-"), "legacy.db")
  const first = open(dbFile, directory)
  const task = newTask(
    {
      parentSessionID: "ses_gone",
      parentMessageID: "msg_gone",
      parentCallID: "call_gone",
      sessionID: "ses_gone_child",
      agent: "general",
      model: { providerID: "scripted", modelID: "test" },
      description: "left behind",
      prompt: "p",
    },
    "queued",
  )
  first.store.db
    .query("insert into task (id, parent_session_id, session_id, state, delivery, data) values (?, ?, ?, ?, ?, ?)")
    .run(task.id, task.parentSessionID, task.sessionID, "completed", "pending", JSON.stringify(task))
  const again = open(dbFile, directory)
  expect(again.recovery.delivered).toEqual([])
  expect(rows(again).tasks).toBe(0)
  expect(again.store.integrityCheck()).toBe("ok")
})
