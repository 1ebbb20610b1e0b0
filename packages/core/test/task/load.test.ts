import { expect, test } from "bun:test"
import path from "node:path"
import { tempProject, testEngine } from "@tandem/testing/fixture"
import { lastToolResults, lastUser, type Responder } from "@tandem/testing/script"
import { TaskUpdated } from "../../src/task/events"

// Load: a thousand background tasks through the scheduler with caps in force. The long soak
// (minutes, with memory figures) is a benchmark: packages/testing/bench/soak.ts.

const responder: Responder = (request) => {
  const said = lastUser(request)
  if (said.startsWith("CHILD")) return { text: `done ${said}`, chunkDelayMs: 1 }
  const fan = /^FAN (\d+) (\S+)$/.exec(said)
  if (fan && !lastToolResults(request).length)
    return {
      toolCalls: Array.from({ length: Number(fan[1]) }, (_, i) => ({
        name: "task",
        input: {
          description: `job ${fan[2]}.${i}`,
          prompt: `CHILD ${fan[2]}.${i}`,
          subagent_type: "general",
          background: true,
        },
      })),
    }
  return { text: "ack" }
}

function loadEngine(options: { dbFile?: string } = {}) {
  return testEngine({
    responder,
    record: false,
    ...options,
    config: {
      tandem: {
        background: {
          max_running: 16,
          max_running_per_session: 8,
          max_running_per_model: 12,
          progress_interval_ms: 50,
        },
      },
    },
  })
}

async function round(
  engine: ReturnType<typeof loadEngine>["engine"],
  directory: string,
  parents: number,
  perParent: number,
  tag: string,
) {
  const sessions = Array.from({ length: parents }, () => engine.store.createSession({ directory }))
  await Promise.all(
    sessions.map((s, i) =>
      engine.runner.prompt(s.id, { parts: [{ type: "text", text: `FAN ${perParent} ${tag}${i}` }] }),
    ),
  )
  await Promise.all(sessions.map((s) => engine.background.settled(s.id)))
  return sessions
}

test("a thousand background tasks with caps in force: all delivered once, caps never exceeded, no slot leaked", async () => {
  const { engine, directory } = loadEngine()
  let peak = 0
  const perParent = new Map<string, number>()
  let peakPerParent = 0
  engine.bus.on(TaskUpdated, ({ task }) => {
    const delta =
      task.state === "running" ? 1 : ["completed", "error", "cancelled", "interrupted"].includes(task.state) ? -1 : 0
    if (!delta) return
    perParent.set(task.parentSessionID, (perParent.get(task.parentSessionID) ?? 0) + delta)
    peakPerParent = Math.max(peakPerParent, perParent.get(task.parentSessionID)!)
    peak = Math.max(peak, engine.background.scheduler.stats().running)
  })
  const listeners = engine.bus.size
  const sessions = await round(engine, directory, 10, 100, "r")
  const tasks = sessions.flatMap((s) => engine.background.list(s.id))
  expect(tasks).toHaveLength(1000)
  expect(tasks.every((t) => t.state === "completed" && t.delivery === "delivered")).toBe(true)
  for (const s of sessions) {
    const parts = engine.store
      .messages(s.id)
      .flatMap((m) => m.parts)
      .filter((p) => p.type === "tool" && p.metadata?.synthetic)
    expect(parts).toHaveLength(100)
  }
  expect(peak).toBeLessThanOrEqual(12)
  expect(peakPerParent).toBeLessThanOrEqual(8)
  expect(engine.background.scheduler.stats()).toEqual({ running: 0, queued: 0 })
  expect(engine.bus.size).toBe(listeners)
  expect(engine.store.integrityCheck()).toBe("ok")
  await engine.close()
}, 120_000)

test("two engines writing one SQLite file at once stay consistent", async () => {
  const dbFile = path.join(tempProject("tandem-shared-"), "shared.db")
  const a = loadEngine({ dbFile })
  const b = loadEngine({ dbFile })
  const [left, right] = await Promise.all([
    round(a.engine, a.directory, 3, 40, "a"),
    round(b.engine, b.directory, 3, 40, "b"),
  ])
  for (const [harness, sessions] of [
    [a, left],
    [b, right],
  ] as const)
    expect(sessions.flatMap((s) => harness.engine.background.list(s.id)).every((t) => t.delivery === "delivered")).toBe(
      true,
    )
  expect(a.engine.background.listAll(1000)).toHaveLength(240)
  expect(a.engine.store.integrityCheck()).toBe("ok")
  await a.engine.close()
  await b.engine.close()
}, 120_000)
