import { afterAll, expect, test } from "bun:test"
import { Database } from "bun:sqlite"
import path from "node:path"
import { tempProject, testEngine } from "@tandem/testing/fixture"
import { readEvents, type StreamEvent } from "../src/read-events"
import { createApp } from "../src/app"

const dbFile = path.join(tempProject("tandem-sse-commit-"), "store.db")
const { engine, directory } = testEngine({ dbFile, responder: () => ({ text: "ok" }) })
afterAll(() => engine.close())

test("a client of /event hears of a write only once another connection can read it", async () => {
  const app = createApp(engine)
  const abort = new AbortController()
  const res = await app.request("/event", { signal: abort.signal })
  const reader = new Database(dbFile, { readonly: true })
  const committed = (id: string) => reader.query("select 1 from session where id = ?").get(id) !== null
  const seen: { id: string; committed: boolean }[] = []
  const done = Promise.withResolvers<void>()
  void readEvents(res.body!, (event: StreamEvent) => {
    if (event.type !== "session.created") return
    const id = (event.properties.info as { id: string }).id
    seen.push({ id, committed: committed(id) })
    if (seen.length === 3) done.resolve()
  }).catch(done.reject)
  await new Promise((resolve) => setTimeout(resolve, 20))
  // Three writes in one loop turn: they share one commit, and the stream holds their events until it.
  for (let i = 0; i < 3; i++) engine.store.createSession({ directory })
  await done.promise
  abort.abort()
  expect(seen).toHaveLength(3)
  expect(seen.every((s) => s.committed)).toBe(true)
})
