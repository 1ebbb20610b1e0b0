import { expect, test } from "bun:test"
import { Database } from "bun:sqlite"
import path from "node:path"
import { tempProject } from "@tandem/testing/fixture"
import { Bus } from "../../src/bus/bus"
import { SessionCreated } from "../../src/session/events"
import { Store } from "../../src/session/store"
import { openDb } from "../../src/storage/db"
import { WriteGroup } from "../../src/storage/write-group"

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve))

/** A store on a file with a group commit, and a second connection that sees only what is committed. */
function setup() {
  const file = path.join(tempProject("tandem-group-"), "group.db")
  const db = openDb(file)
  const bus = new Bus()
  const group = new WriteGroup(db)
  const store = new Store(db, bus, group)
  const reader = new Database(file, { readonly: true })
  const committed = () => (reader.query("select count(*) as n from session").get() as { n: number }).n
  return { db, bus, group, store, committed, file }
}

test("the writes of one loop turn commit together, and what waits on them runs after the commit", async () => {
  const { store, group, committed } = setup()
  const first = store.createSession({ directory: "/p" })
  store.updateSession(first.id, (info) => ({ ...info, title: "renamed" }))
  store.createSession({ directory: "/p" })
  // The writing connection sees its own writes at once; nobody else does yet.
  expect(store.getSession(first.id)?.title).toBe("renamed")
  expect(committed()).toBe(0)
  let seenAfter = -1
  group.after(() => (seenAfter = committed()))
  expect(seenAfter).toBe(-1)
  await nextTurn()
  expect(seenAfter).toBe(2)
  expect(committed()).toBe(2)
  // With nothing open, `after` runs at once.
  let now = false
  group.after(() => (now = true))
  expect(now).toBe(true)
})

test("an atomic block that fails inside the group takes back only its own writes and events", async () => {
  const { store, bus, committed } = setup()
  const created: string[] = []
  bus.on(SessionCreated, ({ info }) => created.push(info.title))
  store.createSession({ directory: "/p", title: "kept" })
  expect(() =>
    store.transaction(() => {
      store.createSession({ directory: "/p", title: "taken back" })
      throw new Error("half-way")
    }),
  ).toThrow("half-way")
  store.createSession({ directory: "/p", title: "also kept" })
  await nextTurn()
  expect(committed()).toBe(2)
  expect(
    store
      .listSessions()
      .map((s) => s.title)
      .sort(),
  ).toEqual(["also kept", "kept"])
  expect(created).toEqual(["kept", "also kept"])
})

test("two stores of one process on one file never wait on each other's open group", async () => {
  const one = setup()
  const db = openDb(one.file)
  const other = new Store(db, new Bus(), new WriteGroup(db))
  one.store.createSession({ directory: "/p", title: "from one" })
  // Without committing the first group, this write would wait for a lock held by this very thread.
  other.createSession({ directory: "/p", title: "from other" })
  one.store.createSession({ directory: "/p", title: "one again" })
  await nextTurn()
  expect(one.committed()).toBe(3)
})

test("a closed group commits what is open and lets later writes commit one by one", () => {
  const { store, group, committed } = setup()
  store.createSession({ directory: "/p" })
  group.close()
  expect(committed()).toBe(1)
  store.createSession({ directory: "/p" })
  expect(committed()).toBe(2)
})
