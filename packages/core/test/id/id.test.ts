import { expect, test } from "bun:test"
import { ascending, descending, hasPrefix } from "../../src/id/id"

test("ids carry their prefix and sort in creation order, even within one millisecond", () => {
  const ids = Array.from({ length: 500 }, () => ascending("message", 1_800_000_000_000))
  expect(ids.every((id) => hasPrefix("message", id))).toBe(true)
  expect([...ids].sort()).toEqual(ids)
  expect(new Set(ids).size).toBe(ids.length)
  expect(ascending("part", 1) < ascending("part", 2)).toBe(true)
})

test("session ids sort newest first, as opencode's, within one millisecond too", () => {
  const ids = Array.from({ length: 500 }, (_, i) => descending("session", 1_800_000_000_000 + Math.floor(i / 100)))
  expect(ids.every((id) => hasPrefix("session", id))).toBe(true)
  expect([...ids].sort()).toEqual([...ids].reverse())
  expect(new Set(ids).size).toBe(ids.length)
})
