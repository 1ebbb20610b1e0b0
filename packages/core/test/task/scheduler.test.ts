import { expect, test } from "bun:test"
import { Scheduler } from "../../src/task/scheduler"

function harness(caps: { global: number; perParent: number; perModel: number }) {
  const started: string[] = []
  const scheduler = new Scheduler(caps, (id) => started.push(id))
  return { started, scheduler }
}

test("FIFO within the global cap, and a slot is freed on release", () => {
  const { started, scheduler } = harness({ global: 2, perParent: 0, perModel: 0 })
  for (const id of ["a", "b", "c", "d"]) scheduler.enqueue({ id, parent: "p", model: "m" })
  expect(started).toEqual(["a", "b"])
  scheduler.release("b")
  expect(started).toEqual(["a", "b", "c"])
  scheduler.release("b")
  expect(started).toEqual(["a", "b", "c"])
  scheduler.release("a")
  expect(started).toEqual(["a", "b", "c", "d"])
  expect(scheduler.stats()).toEqual({ running: 2, queued: 0 })
})

test("a parent at its cap does not hold back another parent's tasks", () => {
  const { started, scheduler } = harness({ global: 10, perParent: 1, perModel: 0 })
  scheduler.enqueue({ id: "a1", parent: "A", model: "m" })
  scheduler.enqueue({ id: "a2", parent: "A", model: "m" })
  scheduler.enqueue({ id: "b1", parent: "B", model: "m" })
  expect(started).toEqual(["a1", "b1"])
  scheduler.release("a1")
  expect(started).toEqual(["a1", "b1", "a2"])
})

test("per-model caps bind across parents; a queued task can be dropped", () => {
  const { started, scheduler } = harness({ global: 0, perParent: 0, perModel: 1 })
  scheduler.enqueue({ id: "x", parent: "A", model: "slow" })
  scheduler.enqueue({ id: "y", parent: "B", model: "slow" })
  scheduler.enqueue({ id: "z", parent: "B", model: "fast" })
  expect(started).toEqual(["x", "z"])
  expect(scheduler.isQueued("y")).toBe(true)
  scheduler.release("y")
  scheduler.release("x")
  expect(started).toEqual(["x", "z"])
  expect(scheduler.stats()).toEqual({ running: 1, queued: 0 })
})
