import { afterAll, expect, test } from "bun:test"
import path from "node:path"
import { tempProject, testEngine } from "@tandem/testing/fixture"
import { readEvents, type StreamEvent } from "../src/read-events"
import { createApp } from "../src/app"
import { readUntil } from "@tandem/testing/read-until"

// Storage faults are never acknowledged: a change that was not committed is answered with a 503
// naming the cause, no event announces it, and the data file stays intact.

/** Response bodies are asserted on, not typed. */
type Json = any

const engines: ReturnType<typeof testEngine>["engine"][] = []
afterAll(async () => {
  for (const engine of engines) await engine.close()
})

function fileEngine() {
  const dbFile = path.join(tempProject("tandem-faults-"), "store.db")
  const harness = testEngine({ dbFile, responder: () => ({ text: "ok" }) })
  engines.push(harness.engine)
  return { ...harness, dbFile, app: createApp(harness.engine) }
}

const post = (app: ReturnType<typeof createApp>, route: string, body: unknown) =>
  app.request(route, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } })

const titles = async (app: ReturnType<typeof createApp>) =>
  ((await (await app.request("/session")).json()) as Json[]).map((s) => s.title)

test("a commit that fails at the storage seam: 503 with the cause, no event, nothing stored", async () => {
  const { engine, app } = fileEngine()
  // A deferred foreign key is checked at commit: a session titled "poison" makes its group's commit fail.
  engine.store.db.run(`create table poison (session_id text references session(id) deferrable initially deferred)`)
  engine.store.db.run(`create trigger poison_commit after insert on session when new.data ->> '$.title' = 'poison'
    begin insert into poison values ('no such session'); end`)
  const abort = new AbortController()
  const stream = await app.request("/event", { signal: abort.signal })
  const created: string[] = []
  const fine = Promise.withResolvers<void>()
  void readEvents(stream.body!, (event: StreamEvent) => {
    if (event.type !== "session.created") return
    const title = (event.properties.info as { title: string }).title
    created.push(title)
    if (title === "fine") fine.resolve()
  }).catch(() => {})

  const refused = await post(app, "/session", { title: "poison" })
  expect(refused.status).toBe(503)
  expect(await refused.json()).toMatchObject({
    name: "StorageError",
    data: { message: expect.stringContaining("FOREIGN KEY constraint failed") },
  })
  expect((await post(app, "/session", { title: "fine" })).status).toBe(200)
  await fine.promise
  abort.abort()
  expect(created).toEqual(["fine"])
  expect(await titles(app)).toEqual(["fine"])
  expect(engine.store.integrityCheck()).toBe("ok")
})

test("a database that refuses writes: 503 naming it; once writable again, changes are stored", async () => {
  const { engine, app } = fileEngine()
  engine.store.db.run("pragma query_only = on")
  const refused = await post(app, "/session", { title: "refused" })
  expect(refused.status).toBe(503)
  expect(((await refused.json()) as Json).data.message).toContain("readonly database")
  engine.store.db.run("pragma query_only = off")
  expect((await post(app, "/session", { title: "stored" })).status).toBe(200)
  expect(await titles(app)).toEqual(["stored"])
  expect(engine.store.integrityCheck()).toBe("ok")
})

test("a database locked by another process: 503 once the wait for the lock runs out, then it works again", async () => {
  const { engine, app, dbFile } = fileEngine()
  const script = `
    const { Database } = require("bun:sqlite")
    const db = new Database(${JSON.stringify(dbFile)})
    db.run("begin exclusive")
    console.log("locked")
    await Bun.stdin.text()
    db.run("rollback")`
  const holder = Bun.spawn([process.execPath, "-e", script], { stdin: "pipe", stdout: "pipe", stderr: "inherit" })
  const reader = holder.stdout.getReader()
  await readUntil(reader, (text) => text.includes("locked"))

  const refused = await post(app, "/session", { title: "locked out" })
  expect(refused.status).toBe(503)
  expect(((await refused.json()) as Json).data.message).toContain("database is locked")
  holder.stdin.end()
  await holder.exited
  expect((await post(app, "/session", { title: "after" })).status).toBe(200)
  expect(await titles(app)).toEqual(["after"])
  expect(engine.store.integrityCheck()).toBe("ok")
}, 30_000)
