import { afterAll, afterEach, expect, test } from "bun:test"
import type { AssistantMessage } from "../../src/session/message"
import { say } from "../task/harness"
import { wire } from "./wires"

// What a step records of a wire's usage: input split into uncached, cache read and cache write, each priced.

const anthropic = wire("anthropic")
const responses = wire("responses")
afterEach(async () => {
  await anthropic.closeAll()
  await responses.closeAll()
})
afterAll(async () => {
  await anthropic.server.stop()
  await responses.server.stop()
})

const usage = { input: 1000, output: 10, cacheRead: 600, cacheWrite: 300 }

test("Anthropic: cache reads and writes are recorded apart from uncached input and priced at their own rates", async () => {
  anthropic.answer(() => ({ text: "cached", usage }))
  const { engine, directory } = anthropic.engine()
  const session = engine.store.createSession({ directory })
  const reply = await engine.runner.prompt(session.id, say("hello"))
  const info = reply.info as AssistantMessage
  expect(info.tokens).toMatchObject({ input: 100, output: 10, cache: { read: 600, write: 300 }, total: 1010 })
  // $3 input, $15 output, $0.30 cache read, $3.75 cache write per million tokens.
  expect(info.cost).toBeCloseTo((100 * 3 + 10 * 15 + 600 * 0.3 + 300 * 3.75) / 1_000_000, 12)
  expect(engine.store.getSession(session.id)?.tokens?.cache).toEqual({ read: 600, write: 300 })
})

test("Anthropic: with the transcript growing, each turn reads the earlier prefix from the cache", async () => {
  anthropic.answer(() => ({ text: "a long enough answer to be worth caching ".repeat(20) }))
  const { engine, directory } = anthropic.engine()
  const session = engine.store.createSession({ directory })
  await engine.runner.prompt(session.id, say("first"))
  const second = (await engine.runner.prompt(session.id, say("second"))).info as AssistantMessage
  const sent = anthropic.exchanges().at(-1)!
  expect(sent.accepted).toBe(true)
  expect(second.tokens.cache.read).toBeGreaterThan(second.tokens.input)
})

test("OpenAI Responses: cached input tokens are recorded and priced as cache reads", async () => {
  responses.answer(() => ({ text: "cached", usage }))
  const { engine, directory } = responses.engine()
  const session = engine.store.createSession({ directory })
  const info = (await engine.runner.prompt(session.id, say("hello"))).info as AssistantMessage
  expect(info.tokens).toMatchObject({ input: 400, output: 10, cache: { read: 600, write: 0 } })
  // $1 input, $8 output, $0.10 cache read per million tokens.
  expect(info.cost).toBeCloseTo((400 * 1 + 10 * 8 + 600 * 0.1) / 1_000_000, 12)
})

test("OpenAI Responses: the prefix stays stable, so the next turn's input is mostly read from the cache", async () => {
  responses.answer(() => ({ text: "an answer" }))
  const { engine, directory } = responses.engine()
  const session = engine.store.createSession({ directory })
  await engine.runner.prompt(session.id, say("first"))
  const second = (await engine.runner.prompt(session.id, say("second"))).info as AssistantMessage
  expect(second.tokens.cache.read).toBeGreaterThan(second.tokens.input)
})
