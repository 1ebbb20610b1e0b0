// Profiling aid: one fan-out of N children (default 100) against the scripted server, for
// `bun --cpu-prof packages/testing/bench/profile-fanout.ts`. Prints the dispatch timeline.
import { mkdtempSync, rmSync } from "node:fs"
import os from "node:os"
import path from "node:path"
import { createEngine } from "@tandem/core/engine"
import { TaskUpdated } from "@tandem/core/task/events"
import { startScriptedServer } from "../src/scripted-server"
import { fanoutResponder } from "./fanout-script"

const n = Number(process.argv[2] ?? 100)
const url = process.argv[3] ?? startScriptedServer({ responder: fanoutResponder }).url
const dir = mkdtempSync(path.join(os.tmpdir(), "tandem-profile-"))
const engine = createEngine({
  directory: dir,
  dbFile: path.join(dir, "profile.db"),
  interactive: false,
  config: {
    model: "bench/scripted",
    provider: { bench: { npm: "@ai-sdk/openai-compatible", options: { baseURL: url }, models: { scripted: {} } } },
    tandem: { title: false, background: { max_running: 0, max_running_per_session: 0, max_running_per_model: 0 } },
  },
})
const session = engine.store.createSession({ directory: dir })
const start = performance.now()
const running: number[] = []
const completed: number[] = []
engine.bus.on(TaskUpdated, ({ task }) => {
  if (task.state === "running") running.push(performance.now() - start)
  if (task.state === "completed") completed.push(performance.now() - start)
})
await engine.runner.prompt(session.id, { parts: [{ type: "text", text: `FANOUT ${n} 2000` }] })
await engine.background.settled(session.id)
const total = performance.now() - start
console.log(
  `started ${running[0]?.toFixed(0)}…${running.at(-1)?.toFixed(0)} ms, completed ${completed[0]?.toFixed(0)}…${completed.at(-1)?.toFixed(0)} ms, total ${total.toFixed(0)} ms`,
)
await engine.close()
rmSync(dir, { recursive: true, force: true })
process.exit(0)
