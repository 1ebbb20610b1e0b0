import { afterEach, expect, test } from "bun:test"
import { gate, lastToolResults } from "@tandem/testing/script"
import { TaskDelivered } from "../../src/task/events"
import { byPrompt, background, dispatcher, setup, answersWhenReleased, say, texts, closeEngines } from "./harness"

// Per-task budgets: steps, tokens, wall time.

afterEach(closeEngines)

test("budgets: a step budget and a token budget end a task with its partial result, and say so", async () => {
  const { engine, directory } = setup(
    byPrompt({
      budget: dispatcher([background("CHILD loop")], "dispatched", (request) => ({
        text: lastToolResults(request).at(-1)!.output,
      })),
      "CHILD loop": () => ({ text: "still going", toolCalls: [{ name: "glob", input: { pattern: "*.x" } }] }),
    }),
    { max_steps: 2 },
  )
  const parent = engine.store.createSession({ directory })
  await engine.runner.prompt(parent.id, say("budget"))
  // Delivered at a step boundary or to the idle parent, whichever comes first; then answered.
  await engine.background.settled(parent.id)
  const [task] = engine.background.list(parent.id)
  expect(task).toMatchObject({
    state: "completed",
    reason: expect.stringContaining("step budget of 2"),
    usage: { steps: 2 },
  })
  expect(texts(engine, parent.id).at(-1)).toContain('partial="true"')

  const tokens = setup(
    byPrompt({
      budget: dispatcher([background("CHILD big")], "dispatched", (request) => ({
        text: lastToolResults(request).at(-1)!.output,
      })),
      "CHILD big": () => ({
        text: "big step",
        toolCalls: [{ name: "glob", input: { pattern: "*.x" } }],
        usage: { input: 600, output: 600 },
      }),
    }),
    { max_tokens: 1000 },
  )
  const p2 = tokens.engine.store.createSession({ directory: tokens.directory })
  const delivered2 = tokens.engine.bus.once(TaskDelivered)
  await tokens.engine.runner.prompt(p2.id, say("budget"))
  await delivered2
  const [t2] = tokens.engine.background.list(p2.id)
  expect(t2).toMatchObject({
    state: "completed",
    reason: expect.stringContaining("token budget of 1000"),
    usage: { steps: 1 },
  })
})

test("a wall-time budget stops a task that does not finish, keeping what it had", async () => {
  const never = gate()
  const { engine, directory } = setup(
    byPrompt({
      slow: dispatcher([background("CHILD stuck")], "dispatched", (request) => ({
        text: lastToolResults(request).at(-1)!.output,
      })),
      "CHILD stuck": answersWhenReleased(never, "too late"),
    }),
    { max_duration_ms: 50 },
  )
  const parent = engine.store.createSession({ directory })
  const delivered = engine.bus.once(TaskDelivered)
  await engine.runner.prompt(parent.id, say("slow"))
  await delivered
  expect(engine.background.list(parent.id)[0]).toMatchObject({
    state: "completed",
    reason: expect.stringContaining("time budget of 50 ms"),
  })
  never.release()
})
