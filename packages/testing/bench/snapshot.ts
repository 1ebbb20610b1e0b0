// Snapshot cost benchmark (not a test): `sh scripts/bun packages/testing/bench/snapshot.ts`.
// Prints figures; asserts nothing.
//
// On a project of FILES small files (default 3,000, not a git repository), measures what the
// engine adds to a step: the first snapshot (the store's initial `git add`), a snapshot when
// nothing changed, and a whole step's snapshot work when the step changed one file (start
// snapshot, closing snapshot, list of changed files). Then the same prompt with a write, with
// snapshots on and off, end to end on the scripted model.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import os from "node:os"
import path from "node:path"

const FILES = Number(process.env.FILES ?? 3000)
const RUNS = Number(process.env.RUNS ?? 20)

const scratch = mkdtempSync(path.join(os.tmpdir(), "tandem-bench-snapshot-"))
process.env.XDG_DATA_HOME = path.join(scratch, "data")
const { Snapshots } = await import("@tandem/core/snapshot/snapshots")
const { testEngine } = await import("../src/fixture")
const { lastToolResults } = await import("../src/script")
const { quantile } = await import("./stats")

const ms = (value: number) => value.toFixed(1)
const summary = (values: number[]) =>
  `p50 ${ms(quantile(values, 0.5))} ms · p90 ${ms(quantile(values, 0.9))} ms · max ${ms(Math.max(...values))} ms`

function project(name: string) {
  const directory = path.join(scratch, name)
  for (let i = 0; i < FILES; i++) {
    const folder = path.join(directory, `pkg${Math.floor(i / 50)}`)
    if (i % 50 === 0) mkdirSync(folder, { recursive: true })
    writeFileSync(path.join(folder, `file${i}.ts`), `export const value${i} = ${i}\n`.repeat(20))
  }
  return directory
}

async function timed<T>(work: () => Promise<T>) {
  const start = performance.now()
  const value = await work()
  return { value, ms: performance.now() - start }
}

const directory = project("direct")
const snapshots = new Snapshots({ enabled: true, root: path.join(scratch, "data", "snapshot"), exclude: [] })
const first = await timed(() => snapshots.track(directory))
const unchanged: number[] = []
for (let i = 0; i < RUNS; i++) unchanged.push((await timed(() => snapshots.track(directory))).ms)
const steps: number[] = []
for (let i = 0; i < RUNS; i++) {
  const step = snapshots.forStep("ses_bench", directory)!
  steps.push(
    (
      await timed(async () => {
        const before = (await step.start())!
        writeFileSync(path.join(directory, "pkg0", "file0.ts"), `export const changed = ${i}\n`)
        return step.finish(before)
      })
    ).ms,
  )
}

/** One prompt that reads and writes a file: two tool steps and an answer, on the scripted model. */
async function prompts(snapshot: boolean) {
  const { engine, directory: dir } = testEngine({
    directory: project(snapshot ? "on" : "off"),
    config: { snapshot },
    responder: (request) => {
      const done = lastToolResults(request)[0]?.name
      if (done === "write") return { text: "done" }
      if (done === "read") return { toolCalls: [{ name: "write", input: { filePath: "pkg0/file1.ts", content: "x" } }] }
      return { toolCalls: [{ name: "read", input: { filePath: "pkg0/file1.ts" } }] }
    },
  })
  const times: number[] = []
  for (let i = 0; i < RUNS; i++) {
    const session = engine.store.createSession({ directory: dir })
    times.push((await timed(() => engine.runner.prompt(session.id, { parts: [{ type: "text", text: "go" }] }))).ms)
  }
  await engine.close()
  return times
}
const on = await prompts(true)
const off = await prompts(false)

console.log(`project: ${FILES} files, not a git repository; ${RUNS} runs each`)
console.log(`first snapshot (initial add of every file): ${ms(first.ms)} ms`)
console.log(`snapshot, nothing changed:                   ${summary(unchanged)}`)
console.log(`a step's snapshots, one file changed:        ${summary(steps)}`)
console.log(`prompt of 3 steps (read, write, answer), snapshots on:  ${summary(on)}`)
console.log(`prompt of 3 steps (read, write, answer), snapshots off: ${summary(off)}`)
