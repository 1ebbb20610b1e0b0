import { expect, test } from "bun:test"
import { openDb } from "../../src/storage/db"
import { Instances } from "../../src/storage/instances"

test("dead processes are forgotten; live ones are reported so recovery waits for them", () => {
  const db = openDb(":memory:")
  new Instances(db, 101).register(() => true)
  new Instances(db, 102).register(() => true)
  const third = new Instances(db, 103)
  expect(third.register((pid) => pid === 102)).toEqual([102])
  expect((db.query("select pid from instance order by pid").all() as { pid: number }[]).map((r) => r.pid)).toEqual([
    102, 103,
  ])
  third.unregister()
  expect(new Instances(db, 104).register(() => false)).toEqual([])
})
