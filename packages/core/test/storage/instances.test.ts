import { expect, test } from "bun:test"
import { openDb } from "../../src/storage/db"
import { Instances, LEASE_MS } from "../../src/storage/instances"

test("a process on this host whose pid is gone, or whose lease expired, is reaped; live ones stay", () => {
  const db = openDb(":memory:")
  let now = 1_000_000
  const clock = () => now
  const live = new Instances(db, "/a", 101, clock)
  const gone = new Instances(db, "/a", 102, clock)
  const stale = new Instances(db, "/b", 103, clock)
  const me = new Instances(db, "/b", 104, clock)
  for (const instance of [live, gone, stale, me]) instance.register()
  now += LEASE_MS / 2
  live.renew()
  me.renew()
  now += LEASE_MS / 2 + 1
  expect(me.reap((pid) => pid !== 102).sort()).toEqual([gone.id, stale.id].sort())
  expect(me.all().map((row) => row.pid)).toEqual([101, 104])
})

test("a renewal after being reaped writes the row again; a server's URL is found by its peers", () => {
  const db = openDb(":memory:")
  const server = new Instances(db, "/a", 201)
  const run = new Instances(db, "/a", 202)
  server.register()
  run.register()
  server.serving("http://127.0.0.1:4096/")
  expect(run.peers().map((row) => row.url)).toEqual(["http://127.0.0.1:4096/"])
  run.unregister()
  expect(run.renew()).toBe(false)
  expect(run.renew()).toBe(true)
  expect(server.peers().map((row) => row.pid)).toEqual([202])
})
