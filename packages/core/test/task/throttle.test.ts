import { expect, test } from "bun:test"
import { Throttle } from "../../src/task/throttle"

test("the first call runs at once; calls inside the interval make one trailing call, which cancel drops", () => {
  let calls = 0
  const throttle = new Throttle(60_000, () => calls++)
  throttle.call()
  throttle.call()
  throttle.call()
  expect(calls).toBe(1)
  throttle.cancel()
})

test("with no interval every call runs", () => {
  let calls = 0
  const throttle = new Throttle(0, () => calls++)
  for (let i = 0; i < 3; i++) throttle.call()
  expect(calls).toBe(3)
})

test("the trailing call runs once the interval has passed", async () => {
  const ran = Promise.withResolvers<void>()
  let calls = 0
  const throttle = new Throttle(5, () => {
    calls++
    if (calls === 2) ran.resolve()
  })
  throttle.call()
  throttle.call()
  throttle.call()
  await ran.promise
  expect(calls).toBe(2)
})
