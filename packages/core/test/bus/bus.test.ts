import { expect, test } from "bun:test"
import { z } from "zod"
import { Bus, defineEvent, events } from "../../src/bus/bus"

const Ping = defineEvent("test.ping", z.object({ n: z.number() }))

test("a failing subscriber never reaches the publisher or other subscribers", () => {
  const errors: unknown[] = []
  const bus = new Bus((error) => errors.push(error))
  const seen: number[] = []
  bus.on(Ping, () => {
    throw new Error("boom")
  })
  const off = bus.on(Ping, ({ n }) => seen.push(n))
  bus.publish(Ping, { n: 1 })
  off()
  bus.publish(Ping, { n: 2 })
  expect(seen).toEqual([1])
  expect(errors).toHaveLength(2)
  expect(events().some((def) => def.name === "test.ping")).toBe(true)
})
