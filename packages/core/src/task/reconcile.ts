import type { Ledger } from "./ledger"
import type { Scheduler } from "./scheduler"
import { TERMINAL } from "./task-info"
import type { TaskRuns } from "./task-runs"

/**
 * After a failed commit rolled writes back: a run or queue entry whose task the ledger no longer
 * has (or has as finished) stops, so nothing claims to run what is not recorded.
 */
export function reconcileWithLedger(deps: { ledger: Ledger; runs: TaskRuns; scheduler: Scheduler }) {
  const { ledger, runs, scheduler } = deps
  for (const sessionID of runs.sessions()) {
    const task = ledger.bySession(sessionID)
    if (!task || TERMINAL.has(task.state)) runs.cancel(sessionID, "its record was not stored")
  }
  for (const id of scheduler.ids()) {
    const task = ledger.get(id)
    if (!task || TERMINAL.has(task.state)) scheduler.release(id)
  }
}
