// Background fan-out benchmark: `bun run bench` (not a test). Prints figures; asserts nothing.
//
// For each n, one parent dispatches n background children through the real openai-compatible
// adapter against the scripted server (a separate process); each child streams for CHILD_MS.
// Measured from the engine's side: dispatch latency (task call running → receipt), delivery
// latency (child ended → the parent's next model call begins), total time against the ideal
// (the children's own time), the parent's model turns after dispatch, and peak RSS. Then, while
// 20 children stream, the latency from a new user message to the parent's model call.
import { mkdtempSync, rmSync } from "node:fs"
import os from "node:os"
import path from "node:path"
import { createEngine } from "@tandem/core/engine"
import { MessageUpdated, PartUpdated } from "@tandem/core/session/events"
import { TaskUpdated } from "@tandem/core/task/events"
import { quantile } from "./stats"

const CHILD_MS = Number(process.env.CHILD_MS ?? 2000)
const SIZES = (process.env.SIZES ?? "1,10,100,500").split(",").map(Number)
const SAMPLES = Number(process.env.SAMPLES ?? 5)
/** Fan-outs per size; the row shown is the run with the median total. */
const RUNS = Math.max(1, Number(process.env.RUNS ?? 3))

const ms = (value: number) => (Number.isNaN(value) ? "-" : `${value.toFixed(1)}`)

async function startModelServer() {
  const child = Bun.spawn([process.execPath, path.join(import.meta.dir, "model-server.ts")], {
    stdout: "pipe",
    stderr: "inherit",
  })
  const reader = child.stdout.getReader()
  let line = ""
  while (!line.includes("\n")) line += new TextDecoder().decode((await reader.read()).value)
  return { url: line.trim(), stop: () => child.kill() }
}

function engineFor(url: string, dir: string) {
  return createEngine({
    directory: dir,
    dbFile: path.join(dir, "bench.db"),
    interactive: false,
    config: {
      model: "bench/scripted",
      snapshot: process.env.SNAPSHOT !== "0",
      provider: { bench: { npm: "@ai-sdk/openai-compatible", options: { baseURL: url }, models: { scripted: {} } } },
      tandem: {
        title: false,
        background: {
          max_running: 0,
          max_running_per_session: 0,
          max_running_per_model: 0,
          progress_interval_ms: 250,
          coalesce_ms: Number(process.env.COALESCE_MS ?? 250),
          coalesce_max_ms: Number(process.env.COALESCE_MAX_MS ?? 2000),
        },
      },
    },
  })
}

let peakRss = 0
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20)

async function fanout(url: string, n: number) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "tandem-bench-"))
  const engine = engineFor(url, dir)
  peakRss = process.memoryUsage().rss
  const session = engine.store.createSession({ directory: dir })
  const dispatch: number[] = []
  const running = new Map<string, number>()
  const answered = new Set<string>()
  engine.bus.on(PartUpdated, ({ part }) => {
    if (part.sessionID !== session.id || part.type !== "tool" || part.tool !== "task" || part.metadata?.synthetic)
      return
    // The call is answered when its part gets the receipt; the part then follows its task (running, then its end).
    if (part.state.status === "pending") return
    if (part.state.status === "running" && !running.has(part.id)) running.set(part.id, performance.now())
    if (part.state.metadata?.receipt && running.has(part.id) && !answered.has(part.id)) {
      answered.add(part.id)
      dispatch.push(performance.now() - running.get(part.id)!)
    }
  })
  const ended = new Map<string, number>()
  let dispatchedAt = 0
  let allStarted = 0
  let started = 0
  engine.bus.on(TaskUpdated, ({ task }) => {
    dispatchedAt ||= performance.now()
    if (task.state === "running" && ++started === n) allStarted = performance.now()
    if (task.state === "completed") ended.set(task.id, performance.now())
  })
  const delivery: number[] = []
  let turns = 0
  engine.bus.on(MessageUpdated, ({ info }) => {
    if (info.sessionID !== session.id || info.role !== "assistant" || info.time.completed) return
    if (!dispatchedAt) return
    turns++
    const pending = [...ended.entries()]
    for (const [id, at] of pending) {
      delivery.push(performance.now() - at)
      ended.delete(id)
    }
  })
  const start = performance.now()
  await engine.runner.prompt(session.id, { parts: [{ type: "text", text: `FANOUT ${n} ${CHILD_MS}` }] })
  await engine.background.settled(session.id)
  const total = performance.now() - start
  await engine.close()
  rmSync(dir, { recursive: true, force: true })
  return {
    n,
    dispatchP50: quantile(dispatch, 0.5),
    dispatchP99: quantile(dispatch, 0.99),
    allStarted: allStarted - start,
    deliveryP50: quantile(delivery, 0.5),
    deliveryP99: quantile(delivery, 0.99),
    total,
    overhead: total - CHILD_MS,
    turns,
    rss: peakRss / 1024 / 1024,
  }
}

async function responsiveness(url: string) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "tandem-bench-"))
  const engine = engineFor(url, dir)
  const session = engine.store.createSession({ directory: dir })
  await engine.runner.prompt(session.id, { parts: [{ type: "text", text: `FANOUT 20 ${Math.max(CHILD_MS, 4000)}` }] })
  const latencies: number[] = []
  for (let i = 0; i < SAMPLES; i++) {
    let sent = 0
    const called = new Promise<number>((resolve) => {
      const off = engine.bus.on(MessageUpdated, ({ info }) => {
        if (info.sessionID !== session.id || info.role !== "assistant" || info.time.completed || !sent) return
        off()
        resolve(performance.now() - sent)
      })
    })
    sent = performance.now()
    const reply = engine.runner.prompt(session.id, { parts: [{ type: "text", text: `ASK ${i}` }] })
    latencies.push(await called)
    await reply
    await Bun.sleep(100)
  }
  await engine.background.settled(session.id)
  await engine.close()
  rmSync(dir, { recursive: true, force: true })
  return latencies
}

const model = await startModelServer()
await fanout(model.url, 20)
console.log(
  `fan-out benchmark · children stream ${CHILD_MS} ms each · caps lifted · coalesce ${process.env.COALESCE_MS ?? 25} ms · ${os.cpus().length} cores · bun ${Bun.version}`,
)
console.log("")
console.log(
  `(after one warm-up fan-out of 20; ${RUNS} fan-outs per n, the row is the one with the median total; parent turns count every parent model call after the first task started)`,
)
console.log("")
console.log(
  "| n | dispatch p50 / p99 (ms) | all started (ms) | delivery p50 / p99 (ms) | total (ms) | overhead vs ideal | totals of all runs (ms) | parent turns | peak RSS (MB) |",
)
console.log("|---|---|---|---|---|---|---|---|---|")
for (const n of SIZES) {
  const runs = []
  for (let i = 0; i < RUNS; i++) runs.push(await fanout(model.url, n))
  const r = [...runs].sort((a, b) => a.total - b.total)[Math.floor((runs.length - 1) / 2)]!
  console.log(
    `| ${r.n} | ${ms(r.dispatchP50)} / ${ms(r.dispatchP99)} | ${ms(r.allStarted)} | ${ms(r.deliveryP50)} / ${ms(r.deliveryP99)} | ${ms(r.total)} | ${((r.overhead / CHILD_MS) * 100).toFixed(1)}% | ${runs.map((run) => run.total.toFixed(0)).join(", ")} | ${r.turns} | ${r.rss.toFixed(0)} |`,
  )
}
const latencies = await responsiveness(model.url)
console.log("")
console.log(
  `user message → parent model call while 20 children stream: p50 ${ms(quantile(latencies, 0.5))} ms, max ${ms(Math.max(...latencies))} ms (${latencies.map((l) => l.toFixed(1)).join(", ")})`,
)
clearInterval(sampler)
model.stop()
