import path from "node:path"
import type { Bus } from "../bus/bus"
import type { Config } from "../config/config"
import type { SessionRunner } from "../session/prompt"
import type { Store } from "../session/store"
import { dataDirectory } from "../storage/db"
import type { BackgroundTasks } from "../task/background"
import type { Ledger } from "../task/ledger"
import { SnapshotCleanup } from "./cleanup"
import { History } from "./history"
import { Snapshots } from "./snapshots"

/**
 * Builds the snapshots and the history service of one engine. Snapshots live under Tandem's data
 * directory (`snapshot/`, one object store per project directory); the data directory and the
 * SQLite file are never snapshotted, wherever they are. `snapshot: false` in the config turns
 * them off. With a data file, the stores are garbage-collected on a schedule (see SnapshotCleanup).
 */
export function createHistory(input: {
  directory: string
  env: Record<string, string | undefined>
  dbFile?: string
  config: Config
  store: Store
  bus: Bus
  runner: SessionRunner
  ledger: Ledger
  background: BackgroundTasks
}) {
  const data = dataDirectory(input.env)
  const db = input.dbFile && input.dbFile !== ":memory:" ? path.resolve(input.dbFile) : undefined
  const exclude = [data, ...(db ? ["", "-wal", "-shm", "-journal"].map((end) => db + end) : [])]
  let reported = false
  let history: History | undefined
  const snapshots = new Snapshots({
    enabled: input.config.snapshot !== false,
    root: path.join(data, "snapshot"),
    exclude,
    onChanged: (sessionID) => history?.announceDiff(sessionID),
    onError: (error) => {
      if (!reported) console.error("snapshots are unavailable:", error instanceof Error ? error.message : error)
      reported = true
    },
  })
  // The stores are cleaned up by the data file that lives with them: a private (in-memory) or outside data file may
  // not know every session that refers to them.
  const own = !input.dbFile || (db !== undefined && !path.relative(data, db).startsWith(".."))
  const cleanup = own ? new SnapshotCleanup(snapshots, input.store.db) : undefined
  cleanup?.start()
  history = new History({ ...input, snapshots, cleanup })
  return history
}
