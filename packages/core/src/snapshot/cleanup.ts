import { existsSync, readdirSync, readFileSync } from "node:fs"
import path from "node:path"
import type { Db } from "../storage/db"
import { DIRECTORY_FILE } from "./git-store"
import type { Snapshots } from "./snapshots"

/** Unreachable snapshot objects younger than this stay: a step's snapshot in flight is not stored yet. */
export const PRUNE_AGE = "1.day"
/** The first clean-up runs this long after start-up, then one every `CLEANUP_EVERY_MS`. */
export const CLEANUP_DELAY_MS = 60_000
export const CLEANUP_EVERY_MS = 60 * 60_000

/**
 * The snapshots each directory's sessions still refer to, by directory: the trees of their
 * step-start, step-finish and snapshot parts, the `hash` of their patch parts (what revert
 * restores), and the tree a pending revert keeps for unrevert. Deleted sessions refer to nothing.
 */
export function keptSnapshots(db: Db): Map<string, string[]> {
  const rows = db
    .query(
      `select s.data ->> '$.directory' as directory, coalesce(p.data ->> '$.snapshot', p.data ->> '$.hash') as hash
       from part p join session s on s.id = p.session_id
       where p.data ->> '$.type' in ('step-start', 'step-finish', 'snapshot', 'patch')
       union
       select data ->> '$.directory', data ->> '$.revert.snapshot' from session`,
    )
    .all() as { directory: string | null; hash: string | null }[]
  const kept = new Map<string, string[]>()
  for (const { directory, hash } of rows) {
    if (!directory) continue
    const key = path.resolve(directory)
    const list = kept.get(key) ?? []
    if (hash) list.push(hash)
    kept.set(key, list)
  }
  return kept
}

/**
 * Garbage-collects the snapshot stores of the directories sessions work in, as opencode does
 * periodically: what kept sessions refer to stays, other objects older than `age` go.
 */
export class SnapshotCleanup {
  private timer: ReturnType<typeof setTimeout> | undefined
  private running: Promise<void> | undefined

  constructor(
    private readonly snapshots: Snapshots,
    private readonly db: Db,
    private readonly age = PRUNE_AGE,
  ) {}

  /**
   * Prunes once every store: those of the directories sessions work in and those found under the
   * snapshot root. A store whose directory is gone, or whose git fails, is skipped.
   */
  run(): Promise<void> {
    this.running ??= (async () => {
      const kept = keptSnapshots(this.db)
      for (const directory of new Set([...kept.keys(), ...this.storedDirectories()])) {
        if (!this.snapshots.covers(directory) || !existsSync(directory)) continue
        await this.snapshots
          .store(directory)
          .prune(kept.get(directory) ?? [], this.age)
          .catch((error) => this.snapshots.options.onError?.(error))
      }
    })().finally(() => (this.running = undefined))
    return this.running
  }

  /** The directories the stores under the snapshot root name. */
  private storedDirectories() {
    const root = this.snapshots.options.root
    if (!existsSync(root)) return []
    return readdirSync(root).flatMap((name) => {
      const file = path.join(root, name, DIRECTORY_FILE)
      return existsSync(file) ? [path.resolve(readFileSync(file, "utf8"))] : []
    })
  }

  /** Runs the clean-up `CLEANUP_DELAY_MS` after start-up, then every `CLEANUP_EVERY_MS`, without keeping the process up. */
  start() {
    const next = (delay: number) => {
      this.timer = setTimeout(() => void this.run().finally(() => this.timer && next(CLEANUP_EVERY_MS)), delay)
      this.timer.unref?.()
    }
    if (this.snapshots.enabled && !this.timer) next(CLEANUP_DELAY_MS)
  }

  /** Stops the schedule; a clean-up under way finishes. */
  stop() {
    clearTimeout(this.timer)
    this.timer = undefined
    return this.running
  }
}
