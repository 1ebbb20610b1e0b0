import { afterEach, expect, test } from "bun:test"
import { record } from "@tandem/testing/fixture"
import { gate, lastToolResults, lastUser } from "@tandem/testing/script"
import { TaskDelivered, TaskUpdated } from "../../src/task/events"
import { byPrompt, background, dispatcher, setup, say, texts, closeEngines } from "./harness"

// Admission and nesting of background tasks.

afterEach(closeEngines)

test("caps and FIFO: at most two per session run at once, started in dispatch order", async () => {
  const gates = Array.from({ length: 5 }, () => gate())
  const { engine, directory } = setup(
    byPrompt({
      queue: dispatcher(
        gates.map((_, i) => background(`CHILD ${i}`)),
        "dispatched",
      ),
      CHILD: async (request) => {
        await gates[Number(lastUser(request).split(" ")[1])]!.promise
        return { text: "done" }
      },
    }),
    { max_running_per_session: 2 },
  )
  const started: string[] = []
  let peak = 0
  engine.bus.on(TaskUpdated, ({ task }) => {
    if (task.state === "running") started.push(task.description)
    peak = Math.max(peak, engine.background.scheduler.stats().running)
  })
  const parent = engine.store.createSession({ directory })
  await engine.runner.prompt(parent.id, say("queue"))
  expect(engine.background.list(parent.id).map((t) => t.state)).toEqual([
    "running",
    "running",
    "queued",
    "queued",
    "queued",
  ])
  const allDelivered = engine.bus.once(TaskDelivered, () =>
    engine.background.list(parent.id).every((t) => t.delivery !== "pending"),
  )
  for (const [i, g] of gates.entries()) {
    const ended = engine.bus.once(
      TaskUpdated,
      (e) => e.task.description === `CHILD ${i}` && e.task.state === "completed",
    )
    g.release()
    await ended
  }
  await allDelivered
  expect(started).toEqual(["CHILD 0", "CHILD 1", "CHILD 2", "CHILD 3", "CHILD 4"])
  expect(peak).toBeLessThanOrEqual(2)
  expect(engine.background.scheduler.stats()).toEqual({ running: 0, queued: 0 })
})

test("nesting: a grandchild's result travels to its own parent, which finishes before reporting up", async () => {
  const { engine, directory } = setup(
    byPrompt({
      top: dispatcher([background("CHILD middle")], "dispatched", (request) => ({
        text: `top got: ${lastToolResults(request).at(-1)!.output.includes("middle saw leaf")}`,
      })),
      "CHILD middle": dispatcher([background("CHILD leaf")], "middle waiting", (request) => ({
        text: `middle saw ${lastToolResults(request).at(-1)!.output.includes("leaf result") ? "leaf" : "nothing"}`,
      })),
      "CHILD leaf": () => ({ text: "leaf result" }),
    }),
  )
  const parent = engine.store.createSession({ directory })
  const delivered = record(engine.bus, TaskDelivered)
  await engine.runner.prompt(parent.id, say("top"))
  // Delivered at a step boundary or to the idle parent, whichever comes first; then answered.
  await engine.background.settled(parent.id)
  expect(texts(engine, parent.id).at(-1)).toBe("top got: true")
  const [middle] = engine.background.list(parent.id)
  expect(engine.background.list(middle!.sessionID)).toHaveLength(1)
  expect(delivered.map((d) => d.parentSessionID)).toEqual([middle!.sessionID, parent.id])
})
