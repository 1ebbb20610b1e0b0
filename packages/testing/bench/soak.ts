// Soak: `MINUTES=3 sh scripts/bun packages/testing/bench/soak.ts` (not a test). Repeats rounds of
// 200 background tasks (5 parents × 40, the load test's caps, a SQLite file store) for MINUTES and
// prints, after each round, RSS, heap, running tasks and bus listeners as a Markdown table. Exits 1
// if a round leaves a scheduler slot taken or the file fails `integrity_check`.
import path from "node:path"
import { tempProject, testEngine } from "../src/fixture"
import { lastToolResults, lastUser, type Responder } from "../src/script"

const MINUTES = Number(process.env.MINUTES ?? 3)
const PARENTS = 5
const PER_PARENT = 40

const responder: Responder = (request) => {
  const said = lastUser(request)
  if (said.startsWith("CHILD")) return { text: `done ${said}`, chunkDelayMs: 1 }
  if (lastToolResults(request).length) return { text: "ack" }
  const tag = said.split(" ")[1]
  return {
    toolCalls: Array.from({ length: PER_PARENT }, (_, i) => ({
      name: "task",
      input: {
        description: `job ${tag}.${i}`,
        prompt: `CHILD ${tag}.${i}`,
        subagent_type: "general",
        background: true,
      },
    })),
  }
}

const { engine, directory } = testEngine({
  responder,
  record: false,
  dbFile: path.join(tempProject("tandem-soak-"), "soak.db"),
  config: {
    tandem: {
      background: { max_running: 16, max_running_per_session: 8, max_running_per_model: 12, progress_interval_ms: 50 },
    },
  },
})

const megabytes = (bytes: number) => (bytes / 1024 / 1024).toFixed(0)
console.log("| round | tasks so far | RSS (MB) | heap (MB) | running | bus listeners |")
console.log("|---|---|---|---|---|---|")
const until = Date.now() + MINUTES * 60_000
let failed = false
for (let round = 1; Date.now() < until; round++) {
  const parents = Array.from({ length: PARENTS }, () => engine.store.createSession({ directory }))
  await Promise.all(
    parents.map((s, i) => engine.runner.prompt(s.id, { parts: [{ type: "text", text: `FAN r${round}p${i}` }] })),
  )
  await Promise.all(parents.map((s) => engine.background.settled(s.id)))
  Bun.gc(true)
  const memory = process.memoryUsage()
  const slots = engine.background.scheduler.stats()
  console.log(
    `| ${round} | ${round * PARENTS * PER_PARENT} | ${megabytes(memory.rss)} | ${megabytes(memory.heapUsed)} | ${slots.running} | ${engine.bus.size} |`,
  )
  if (slots.running || slots.queued) {
    console.error(`round ${round} left ${slots.running} running and ${slots.queued} queued`)
    failed = true
    break
  }
}
const integrity = engine.store.integrityCheck()
if (integrity !== "ok") console.error(`integrity_check: ${integrity}`)
await engine.close()
process.exit(failed || integrity !== "ok" ? 1 : 0)
