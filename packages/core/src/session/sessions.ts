import type { SessionRunner } from "./prompt"
import type { Store } from "./store"

/** Session operations that span the store and the running loops. */
export class Sessions {
  constructor(
    private readonly deps: {
      store: Store
      runner: SessionRunner
      /**
       * Called first when a session is deleted, to end work it started elsewhere (its background
       * tasks). Must not throw; may abort loops.
       */
      beforeDelete?(sessionID: string): void
    },
  ) {}

  /** Deletes a session and its descendants, aborting any that are running; returns what was removed. */
  delete(sessionID: string) {
    const { store, runner } = this.deps
    this.deps.beforeDelete?.(sessionID)
    runner.abort(sessionID)
    const removed = store.deleteSession(sessionID)
    for (const info of removed) runner.abort(info.id)
    return removed
  }
}
