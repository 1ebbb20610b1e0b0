import { afterAll, expect, test } from "bun:test"
import path from "node:path"
import { tempProject, testEngine } from "@tandem/testing/fixture"
import { gate } from "@tandem/testing/script"

// A commit that fails rolls back its writes; what the process holds in memory follows the ledger.

const held = gate()
const { engine, directory } = testEngine({
  dbFile: path.join(tempProject("tandem-commit-"), "store.db"),
  responder: async () => {
    await held.promise
    return { text: "never stored" }
  },
})
afterAll(async () => {
  held.release()
  await engine.close()
})

/** Waits, a loop turn at a time, until `check` holds (bounded). */
async function until(check: () => boolean, what: string) {
  for (let i = 0; i < 1000 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 5))
  if (!check()) throw new Error(`timed out waiting for ${what}`)
}

test("a dispatch whose commit fails: its run stops and its scheduler slot is freed", async () => {
  const parent = engine.store.createSession({ directory })
  expect(await engine.writes.committed()).toBeUndefined()
  engine.store.db.run(`create table poison (id text references session(id) deferrable initially deferred)`)
  engine.store.db.run(`create trigger poison_task after insert on task begin insert into poison values ('none'); end`)

  const since = engine.writes.failures
  const task = engine.background.dispatch({
    parentSessionID: parent.id,
    parentMessageID: "msg_x",
    parentCallID: "call_x",
    agent: "general",
    model: { providerID: "scripted", modelID: "test" },
    description: "lost",
    prompt: "work",
    directory,
  })
  expect(String(await engine.writes.committed(since))).toContain("FOREIGN KEY constraint failed")
  await until(() => engine.background.scheduler.stats().running === 0, "the slot to be freed")
  await engine.runner.settle()
  expect(engine.background.get(task.id)).toBeUndefined()
  expect(engine.store.getSession(task.sessionID)).toBeUndefined()
  expect(engine.background.scheduler.stats()).toEqual({ running: 0, queued: 0 })
  expect(engine.status.all()).toEqual({})
  expect(engine.store.integrityCheck()).toBe("ok")
})
