import { closeInterrupted } from "../session/close-interrupted"
import type { Store } from "../session/store"
import type { BackgroundTasks } from "./background"

/** What a start found of a previous process: sessions closed, tasks resumed, interrupted, delivered. */
export type RecoveryReport = {
  closed: string[]
  resumed: string[]
  interrupted: string[]
  delivered: string[]
  /** Pids of other live processes on the same store; recovery was left to them. */
  deferredFor: number[]
}

/**
 * Reconciles what a stopped process left: dangling tool parts and unfinished messages are closed,
 * then the task ledger is reconciled. Skipped while another process is alive on the same store
 * (`alive` lists them): its open work is not ours.
 */
export function recoverOnStart(input: { store: Store; background: BackgroundTasks; alive: number[] }): RecoveryReport {
  if (input.alive.length) return { closed: [], resumed: [], interrupted: [], delivered: [], deferredFor: input.alive }
  return {
    closed: closeInterrupted(input.store, "the process stopped before this finished"),
    ...input.background.recover(),
    deferredFor: [],
  }
}
