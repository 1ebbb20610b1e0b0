import type { Db } from "./db"

/** The groups holding a transaction open in this process. */
const open = new Set<WriteGroup>()

/**
 * Group commit. Every write made during one turn of the event loop joins one SQLite
 * transaction, committed when the loop moves on (`setImmediate`). Whatever tells the world
 * outside the process about those writes waits for that commit (`after`), so no client hears of
 * a write that a crash could still take back; in-process code reads through the same
 * connection and sees the writes at once.
 *
 * Why: a commit costs far more than the statement it commits (in WAL mode each commit appends
 * every page it touched to the log). A hundred children starting at once make thousands of
 * small writes in bursts; committing them per loop turn instead of per statement is most of the
 * storage cost saved. Atomic groups of writes (`Store.transaction`) run as savepoints inside the
 * group, so they stay all-or-nothing. What a crash can lose is the current loop turn, and
 * no client of the event stream has heard of it.
 *
 * An open group holds SQLite's write lock until its commit. Another connection of the same
 * process (a second engine on the same file) would wait for that lock while blocking the very
 * loop that commits it, so a group commits every other open group of the process before it
 * opens; between processes the lock is held for one loop turn at most.
 */
export class WriteGroup {
  private held: (() => void)[] = []
  private pending: ReturnType<typeof setImmediate> | undefined
  private closed = false
  /** Told of the outcome of the open group's commit: the error, or undefined when it committed. */
  private waiting: ((failure: unknown) => void)[] = []
  private failureListeners = new Set<(failure: unknown) => void>()
  /** How many commits have failed so far, and the last failure. */
  failures = 0
  lastFailure: unknown

  constructor(
    private readonly db: Db,
    private readonly onError: (error: unknown) => void = (error) =>
      console.error("tandem: a storage commit failed", error),
  ) {}

  /** Opens the loop turn's transaction unless one is open; call before every write. */
  join() {
    if (this.closed || this.pending) return
    if (this.db.inTransaction) return
    WriteGroup.commitAll()
    this.db.run("begin immediate")
    this.pending = setImmediate(() => this.commit())
    open.add(this)
  }

  /** Commits every open group of this process; call before writing through another connection. */
  static commitAll() {
    for (const group of [...open]) group.commit()
  }

  /** Runs `announce` after the open group commits, or now when none is open. */
  after(announce: () => void) {
    if (this.pending) this.held.push(announce)
    else announce()
  }

  /**
   * Resolves once what is written so far is committed: with undefined, or with the cause of the
   * first commit failure after `since` (a count of `failures` taken earlier) when there was one.
   */
  committed(since = this.failures): Promise<unknown> {
    const outcome = () => (this.failures > since ? this.lastFailure : undefined)
    if (!this.pending) return Promise.resolve(outcome())
    return new Promise((resolve) => this.waiting.push(() => resolve(outcome())))
  }

  /** Calls `listener` after each failed commit, once the rollback is done (must not throw). */
  onFailure(listener: (failure: unknown) => void) {
    this.failureListeners.add(listener)
    return () => void this.failureListeners.delete(listener)
  }

  /** Commits the open group and releases what it held. Safe to call at any time. */
  commit() {
    if (this.pending) clearImmediate(this.pending)
    this.pending = undefined
    open.delete(this)
    try {
      if (this.db.inTransaction) this.db.run("commit")
    } catch (error) {
      this.onError(error)
      if (this.db.inTransaction) this.db.run("rollback")
      this.held = []
      this.failures++
      this.lastFailure = error
      this.settle(error)
      for (const listener of this.failureListeners) listener(error)
      return
    }
    const held = this.held
    this.held = []
    for (const announce of held) announce()
    this.settle(undefined)
  }

  private settle(failure: unknown) {
    const waiting = this.waiting
    this.waiting = []
    for (const wake of waiting) wake(failure)
  }

  /**
   * Commits what is open (every group of the process, so that the writes of shutting down
   * cannot wait on another engine's lock); later writes of this group commit one by one.
   */
  close() {
    WriteGroup.commitAll()
    this.closed = true
  }
}
