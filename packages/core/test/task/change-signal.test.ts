import { expect, test } from "bun:test"
import { ChangeSignal } from "../../src/task/change-signal"

test("notify wakes every waiter of its key and no other; a notify with no waiter is not kept", async () => {
  const signal = new ChangeSignal()
  signal.notify("a")
  const woken: string[] = []
  const a1 = signal.next("a").then(() => woken.push("a1"))
  const a2 = signal.next("a").then(() => woken.push("a2"))
  void signal.next("b").then(() => woken.push("b"))
  await Promise.resolve()
  expect(woken).toEqual([])
  signal.notify("a")
  await Promise.all([a1, a2])
  expect(woken).toEqual(["a1", "a2"])
})
