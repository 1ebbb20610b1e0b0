import { afterEach, expect, test } from "bun:test"
import { testEngine } from "@tandem/testing/fixture"
import { lastUser } from "@tandem/testing/script"
import type { Engine } from "../../src/engine"
import { forkTitle } from "../../src/session/fork"

const engines: Engine[] = []
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close()
})

const say = (text: string) => ({ parts: [{ type: "text" as const, text }] })

function setup() {
  const harness = testEngine({ responder: (request) => ({ text: `echo ${lastUser(request)}` }) })
  engines.push(harness.engine)
  return harness
}

const sorted = (ids: string[]) => [...ids].sort()

test("fork copies the messages before the point into a new session, with new ids in opencode's order", async () => {
  const { engine, directory } = setup()
  const source = engine.store.createSession({ directory, title: "Plan" })
  for (const text of ["one", "two", "three"]) await engine.runner.prompt(source.id, say(text))
  const messages = engine.store.messages(source.id)
  const third = messages.filter((m) => m.info.role === "user")[2]!

  const fork = engine.history.fork(source.id, third.info.id)
  if ("refused" in fork) throw new Error(fork.message)
  expect(fork.title).toBe("Plan (fork #1)")
  expect(fork.parentID).toBeUndefined()
  // Session ids sort newest first.
  expect(sorted([source.id, fork.id])).toEqual([fork.id, source.id])

  const copied = engine.store.messages(fork.id)
  expect(copied.map((m) => m.parts.map((p) => (p.type === "text" ? p.text : p.type)).join(" "))).toEqual(
    messages.slice(0, 4).map((m) => m.parts.map((p) => (p.type === "text" ? p.text : p.type)).join(" ")),
  )
  const messageIDs = copied.map((m) => m.info.id)
  const partIDs = copied.flatMap((m) => m.parts.map((p) => p.id))
  // Message and part ids sort oldest first, and none is shared with the source.
  expect(sorted(messageIDs)).toEqual(messageIDs)
  expect(sorted(partIDs)).toEqual(partIDs)
  expect(messageIDs.some((id) => messages.some((m) => m.info.id === id))).toBe(false)
  for (const message of copied) {
    expect(message.info.sessionID).toBe(fork.id)
    if (message.info.role === "assistant") expect(messageIDs).toContain(message.info.parentID)
    for (const part of message.parts) expect(part).toMatchObject({ sessionID: fork.id, messageID: message.info.id })
  }
  // The source is untouched, and the fork goes on by itself.
  expect(engine.store.messages(source.id)).toHaveLength(6)
  await engine.runner.prompt(fork.id, say("four"))
  expect(engine.store.messages(fork.id)).toHaveLength(6)
  expect(engine.store.messages(source.id)).toHaveLength(6)
})

test("fork without a message copies everything; an unknown message is refused", async () => {
  const { engine, directory } = setup()
  const source = engine.store.createSession({ directory })
  await engine.runner.prompt(source.id, say("one"))
  const fork = engine.history.fork(source.id)
  if ("refused" in fork) throw new Error(fork.message)
  expect(engine.store.messages(fork.id)).toHaveLength(2)
  expect(engine.history.fork(source.id, "msg_nothere")).toMatchObject({ refused: "not-found" })
})

test("fork titles count up", () => {
  expect(forkTitle("Plan")).toBe("Plan (fork #1)")
  expect(forkTitle("Plan (fork #1)")).toBe("Plan (fork #2)")
})
