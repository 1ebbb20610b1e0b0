import { expect, test } from "bun:test"
import { ascending, hasPrefix } from "../../src/id/id"

test("ids carry their prefix and sort in creation order, even within one millisecond", () => {
  const ids = Array.from({ length: 500 }, () => ascending("message", 1_800_000_000_000))
  expect(ids.every((id) => hasPrefix("message", id))).toBe(true)
  expect([...ids].sort()).toEqual(ids)
  expect(new Set(ids).size).toBe(ids.length)
  expect(ascending("part", 1) < ascending("part", 2)).toBe(true)
})
