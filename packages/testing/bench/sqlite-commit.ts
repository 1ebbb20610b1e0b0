// What a commit costs: upserts of a part-sized JSON row into a table shaped like the store's
// `part` table (three indexes), WAL with synchronous = normal as the store opens it, committed
// one by one, in tens, and all at once. Prints µs per write; asserts nothing.
// `sh scripts/bun packages/testing/bench/sqlite-commit.ts`
import { mkdtempSync, rmSync } from "node:fs"
import os from "node:os"
import path from "node:path"
import { openDb } from "@tandem/core/storage/db"

const N = Number(process.env.WRITES ?? 5000)
const dir = mkdtempSync(path.join(os.tmpdir(), "tandem-commit-"))
const data = JSON.stringify({ type: "text", text: "x".repeat(400) })
const batches = { "one per commit": 1, "ten per commit": 10, [`${N} per commit`]: N }
console.log(`${N} upserts of a ${data.length}-byte row, WAL, synchronous = normal`)
for (const [label, size] of Object.entries(batches)) {
  const db = openDb(path.join(dir, `${size}.db`))
  const upsert = db.query(
    "insert into part (id, message_id, session_id, data) values (?, ?, ?, ?) on conflict(id) do update set data = excluded.data",
  )
  const start = performance.now()
  for (let i = 0; i < N; i += size)
    db.transaction(() => {
      for (let j = i; j < Math.min(N, i + size); j++) upsert.run(`prt_${j}`, `msg_${j % 50}`, `ses_${j % 100}`, data)
    })()
  console.log(`${label.padEnd(20)} ${(((performance.now() - start) / N) * 1000).toFixed(1)} µs per write`)
  db.close()
}
rmSync(dir, { recursive: true, force: true })
