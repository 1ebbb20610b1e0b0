import type { Bus } from "../bus/bus"
import type { BackgroundConfig } from "../config/config"
import type { SessionRunner } from "../session/prompt"
import type { Store } from "../session/store"
import type { ChangeSignal } from "./change-signal"
import { TaskDelivered } from "./events"
import type { Ledger } from "./ledger"
import { resultMessage, resultPart, type DeliveryVia } from "./result-part"
import { TERMINAL, type TaskInfo } from "./task-info"

export type DeliveryDeps = {
  store: Store
  ledger: Ledger
  bus: Bus
  runner: SessionRunner
  settings: BackgroundConfig
  /** Notified for a parent that got its results and is not resumed, so a run waiting on it checks again. */
  changes: ChangeSignal
  /** Whether the task of a child session is being ended by a cancel or a budget. */
  isStopping(sessionID: string): boolean
  /**
   * Claims of a session's turn shared by every process on the store (`storage/leases.ts`): an
   * idle parent is resumed only by the process that claimed its turn.
   */
  turns?: { claimTurn(sessionID: string): boolean; endTurn(sessionID: string): void }
}

/** How long a process that found the parent's turn held elsewhere waits before it looks again, in ms. */
export const TURN_RETRY_MS = 200

/**
 * Brings finished results to their parents, each exactly once, as synthetic `task` tool parts:
 * a busy parent's loop drains them at its next step boundary; an idle parent gets them after a
 * short window that lets results ending close together share one model turn, and is resumed.
 */
export class Delivery {
  private idleTimers = new Map<string, ReturnType<typeof setTimeout>>()
  /** When the open coalescing window of a parent received its first result. */
  private windowOpened = new Map<string, number>()
  private closed = false

  constructor(private readonly deps: DeliveryDeps) {}

  /**
   * `task_status`'s other way for results to reach the parent: the finished, undelivered ones among
   * `tasks` are claimed as collected, in one transaction, so no delivery brings them again.
   */
  collect(tasks: (TaskInfo | undefined)[]) {
    const { store, ledger } = this.deps
    return store.transaction(() =>
      tasks.map((task) => {
        if (!task || !TERMINAL.has(task.state) || task.delivery !== "pending") return task
        return ledger.claim(task.id, "collected", Date.now()) ?? ledger.get(task.id)
      }),
    )
  }

  /** Appends the parent's finished results at a step boundary of its loop; true when any were appended. */
  atStepBoundary(parentSessionID: string) {
    if (this.closed) return false
    return this.deliver(parentSessionID, "step")
  }

  /**
   * A result is waiting for `parentSessionID`: a busy loop drains it at its next step boundary;
   * an idle parent gets it once no other result has come for `coalesce_ms` (at most
   * `coalesce_max_ms` after the first), so results that end close together go in one turn. When
   * no task of the parent is left unfinished, nothing more can join the turn, and what waits is
   * delivered at once.
   */
  arrived(parentSessionID: string) {
    if (this.closed) return
    if (this.deps.runner.isBusy(parentSessionID)) return
    const last = !this.deps.ledger.hasUnfinished(parentSessionID)
    const { coalesce_ms, coalesce_max_ms } = this.deps.settings
    const now = Date.now()
    const opened = this.windowOpened.get(parentSessionID) ?? now
    this.windowOpened.set(parentSessionID, opened)
    // Each result keeps the window open another coalesce_ms, up to coalesce_max_ms after the first.
    const wait = last ? 0 : Math.max(0, Math.min(coalesce_ms, opened + coalesce_max_ms - now))
    clearTimeout(this.idleTimers.get(parentSessionID))
    this.idleTimers.set(
      parentSessionID,
      setTimeout(() => this.deliverToIdle(parentSessionID), wait),
    )
  }

  /** Whether results wait in the coalescing window for an idle parent. */
  isScheduled(parentSessionID: string) {
    return this.idleTimers.has(parentSessionID)
  }

  /** Stops delivering: windows still open are dropped (their results stay pending in the ledger). */
  close() {
    this.closed = true
    for (const timer of this.idleTimers.values()) clearTimeout(timer)
    this.idleTimers.clear()
    this.windowOpened.clear()
  }

  /**
   * Delivers to an idle parent and resumes it, once this process has claimed the parent's turn:
   * of several processes on one store only one resumes a parent, and results that reach it while
   * another process's loop holds the turn are left to that loop's next step or its end (this
   * process looks again every `TURN_RETRY_MS` until they are delivered or the turn is free).
   */
  private deliverToIdle(parentSessionID: string) {
    const { runner, settings, changes, turns, ledger } = this.deps
    this.idleTimers.delete(parentSessionID)
    this.windowOpened.delete(parentSessionID)
    if (runner.isBusy(parentSessionID)) return
    if (turns && !turns.claimTurn(parentSessionID)) {
      if (ledger.undelivered(parentSessionID).length)
        this.idleTimers.set(
          parentSessionID,
          setTimeout(() => this.deliverToIdle(parentSessionID), TURN_RETRY_MS),
        )
      return
    }
    const delivered = this.deliver(parentSessionID, "idle")
    if (delivered && settings.resume_parent && this.canResume(parentSessionID))
      return void runner.resume(parentSessionID)
    turns?.endTurn(parentSessionID)
    if (delivered) changes.notify(parentSessionID)
  }

  /** A parent that is itself a finished or stopping task's session is not woken again. */
  private canResume(sessionID: string) {
    const own = this.deps.ledger.bySession(sessionID)
    if (!own) return true
    return !TERMINAL.has(own.state) && !this.deps.isStopping(sessionID)
  }

  /**
   * Appends every finished, undelivered result of a parent as one synthetic assistant message of
   * completed `task` tool parts. Claim, message and parts are one transaction: exactly once.
   */
  private deliver(parentSessionID: string, via: DeliveryVia) {
    const { store, ledger, bus, settings } = this.deps
    const waiting = ledger.undelivered(parentSessionID)
    const parent = waiting.length ? store.getSession(parentSessionID) : undefined
    // A reverted parent gets its results once the revert is undone or made permanent (docs/background.md).
    if (!parent || parent.revert) return false
    const user = store.lastUserMessage(parentSessionID)
    if (!user) return false
    const now = Date.now()
    const message = resultMessage(parent, user, now)
    const delivered = store.transaction(() => {
      const parts = waiting.flatMap((task) => {
        const claimed = ledger.claim(task.id, "delivered", now)
        return claimed ? [{ task: claimed, part: resultPart(claimed, message, settings.result_chars, via) }] : []
      })
      if (!parts.length) return parts
      store.upsertMessage(message)
      for (const { part } of parts) store.upsertPart(part)
      return parts
    })
    for (const { task, part } of delivered)
      bus.publish(TaskDelivered, { taskID: task.id, parentSessionID, messageID: message.id, partID: part.id, via })
    return delivered.length > 0
  }
}
