import { mkdtempSync } from "node:fs"
import os from "node:os"
import path from "node:path"
import { createEngine } from "@tandem/core/engine"
import { TaskUpdated } from "@tandem/core/task/events"
const n = Number(process.argv[2] ?? 100); const url = process.argv[3]; const childMs = Number(process.argv[4] ?? 2000)
async function once() {
  const dir = mkdtempSync(path.join(os.tmpdir(), "tandem-cpu-"))
  const engine = createEngine({ directory: dir, dbFile: path.join(dir, "p.db"), interactive: false, config: {
    model: "bench/scripted",
    provider: { bench: { npm: "@ai-sdk/openai-compatible", options: { baseURL: url }, models: { scripted: {} } } },
    tandem: { title: false, background: { max_running: 0, max_running_per_session: 0, max_running_per_model: 0 } } } })
  const session = engine.store.createSession({ directory: dir })
  const start = performance.now(); const running: number[] = []
  engine.bus.on(TaskUpdated, ({ task }) => { if (task.state === "running") running.push(performance.now() - start) })
  const c0 = process.cpuUsage()
  await engine.runner.prompt(session.id, { parts: [{ type: "text", text: `FANOUT ${n} ${childMs}` }] })
  const c1 = process.cpuUsage(c0); const t1 = performance.now() - start
  await engine.background.settled(session.id)
  const c2 = process.cpuUsage(c0); const total = performance.now() - start
  console.log(`n=${n} first turn ${t1.toFixed(0)}ms cpu ${((c1.user + c1.system) / 1000).toFixed(0)}ms; started ${running[0]?.toFixed(0)}…${running.at(-1)?.toFixed(0)}; total ${total.toFixed(0)} ms cpu ${((c2.user + c2.system) / 1000).toFixed(0)} ms`)
  await engine.close()
}
await once(); await once(); await once()
process.exit(0)
