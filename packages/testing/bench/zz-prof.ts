import { mkdtempSync } from "node:fs"
import os from "node:os"
import path from "node:path"
import { createEngine } from "@tandem/core/engine"
const n = Number(process.argv[2] ?? 100); const url = process.argv[3]; const childMs = Number(process.argv[4] ?? 0); const runs = Number(process.argv[5] ?? 5)
for (let r = 0; r < runs; r++) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "tandem-cpu-"))
  const engine = createEngine({ directory: dir, dbFile: path.join(dir, "p.db"), interactive: false, config: {
    model: "bench/scripted",
    provider: { bench: { npm: "@ai-sdk/openai-compatible", options: { baseURL: url }, models: { scripted: {} } } },
    tandem: { title: false, background: { max_running: 0, max_running_per_session: 0, max_running_per_model: 0 } } } })
  const session = engine.store.createSession({ directory: dir })
  MARKER_RUN_START()
  const start = performance.now(); const c0 = process.cpuUsage()
  await engine.runner.prompt(session.id, { parts: [{ type: "text", text: `FANOUT ${n} ${childMs}` }] })
  await engine.background.settled(session.id)
  const c = process.cpuUsage(c0)
  console.log(`run ${r}: total ${(performance.now() - start).toFixed(0)} ms, cpu ${((c.user + c.system) / 1000).toFixed(0)} ms`)
  await engine.close()
}
process.exit(0)

function MARKER_RUN_START() { const t = performance.now(); while (performance.now() - t < 3) {} }
