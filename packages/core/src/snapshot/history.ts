import type { Bus } from "../bus/bus"
import { PartRemoved } from "../session/events"
import { forkSession } from "../session/fork"
import type { LoopHooks } from "../session/loop-hooks"
import type { WithParts } from "../session/message"
import type { SessionRunner } from "../session/prompt"
import type { SessionInfo } from "../session/session-info"
import type { Store } from "../session/store"
import type { BackgroundTasks } from "../task/background"
import type { Ledger } from "../task/ledger"
import { SessionDiff } from "./events"
import type { SnapshotFileDiff } from "./file-diff"
import { hiddenBy, keptBy, patchesOf, restorePlan, revertPoint } from "./revert-range"
import type { SnapshotCleanup } from "./cleanup"
import type { Snapshots } from "./snapshots"
import { cancelUndone, patchesOfTasks, tasksToUndo } from "./undo-tasks"

/** Why a revert, unrevert or diff was refused: an unknown session or message, or a session that is working. */
export type HistoryRefused = { refused: "not-found" | "busy"; message: string }

export type HistoryDeps = {
  store: Store
  bus: Bus
  runner: SessionRunner
  ledger: Ledger
  background: BackgroundTasks
  snapshots: Snapshots
  /** The schedule that garbage-collects the snapshot stores, when one runs. */
  cleanup?: SnapshotCleanup
}

/**
 * Undo and redo of a session's turns: `revert` puts the project's files back as they were
 * before a message (or part) and hides what came after; `unrevert` brings both back; the next
 * prompt makes a revert permanent (`beforePrompt`). Background tasks started in the hidden part
 * are cancelled and their changes undone too (see docs/background.md, "Undo and background tasks").
 */
export class History {
  private working = new Set<string>()

  constructor(private readonly deps: HistoryDeps) {}

  /** Stops the snapshot clean-up schedule; resolves once a clean-up under way is done. */
  async stop() {
    await this.deps.cleanup?.stop()
  }

  /** The prompt loop's hooks: snapshots around each step, and a pending revert made permanent before a prompt. */
  readonly loopHooks: Pick<LoopHooks, "snapshot" | "beforePrompt"> = {
    snapshot: (sessionID, directory) => this.deps.snapshots.forStep(sessionID, directory),
    beforePrompt: (sessionID) => this.beforePrompt(sessionID),
  }

  /** A new session with copies of the messages before `messageID` (see `forkSession`). */
  fork(sessionID: string, messageID?: string) {
    const session = this.deps.store.getSession(sessionID)
    if (!session) return { refused: "not-found" as const, message: `session ${sessionID} not found` }
    return forkSession(this.deps.store, session, messageID)
  }

  /** Reverts the session to just before `messageID` (from `partID` on, when given). */
  async revert(
    sessionID: string,
    input: { messageID: string; partID?: string },
  ): Promise<SessionInfo | HistoryRefused> {
    const { store, ledger, snapshots } = this.deps
    return this.exclusive(sessionID, async (session) => {
      const messages = store.messages(sessionID)
      const point = revertPoint(messages, input.messageID, input.partID)
      if (!point)
        return {
          refused: "not-found" as const,
          message: `message ${input.messageID} not found in session ${sessionID}`,
        }
      const directory = session.directory
      // A second revert starts from the files as they were before the first one.
      if (session.revert?.snapshot) await this.restoreTree(directory, session.revert.snapshot)
      const tasks = tasksToUndo(ledger, messages, point)
      await cancelUndone(this.deps, tasks)
      const snapshot = session.revert?.snapshot ?? (await snapshots.track(directory))
      const patches = [...patchesOf(hiddenBy(messages, point).parts), ...patchesOfTasks(store, tasks, directory)]
      for (const [hash, files] of restorePlan(patches)) await snapshots.store(directory).restoreFiles(hash, files)
      const now = snapshot ? await snapshots.track(directory) : undefined
      const diff = snapshot && now ? await snapshots.store(directory).diffText(snapshot, now) : undefined
      const updated = store.updateSession(sessionID, (info) => ({ ...info, revert: { ...point, snapshot, diff } }))
      this.announceDiff(sessionID)
      return updated!
    })
  }

  /** Undoes the revert: the files as they were before it, the hidden messages visible again. */
  async unrevert(sessionID: string): Promise<SessionInfo | HistoryRefused> {
    const { store, background } = this.deps
    return this.exclusive(sessionID, async (session) => {
      if (!session.revert) return session
      if (session.revert.snapshot) await this.restoreTree(session.directory, session.revert.snapshot)
      const updated = store.updateSession(sessionID, withoutRevert)
      this.announceDiff(sessionID)
      // Results that finished while the session was reverted waited; they go now.
      background.onIdle(sessionID)
      return updated!
    })
  }

  /**
   * Before a prompt is written: a revert still in place becomes permanent. The hidden messages
   * and parts are deleted for good and the session's `revert` is cleared.
   */
  beforePrompt(sessionID: string) {
    const { store, bus } = this.deps
    const session = store.getSession(sessionID)
    if (!session?.revert || this.working.has(sessionID)) return
    const hidden = hiddenBy(store.messages(sessionID), session.revert)
    const whole = new Set(hidden.messages.map((message) => message.info.id))
    const tail = hidden.parts.filter((part) => !whole.has(part.messageID))
    for (const message of hidden.messages) store.removeMessage(sessionID, message.info.id)
    store.transaction(() => {
      for (const part of tail) store.db.query("delete from part where id = ?").run(part.id)
      store.updateSession(sessionID, withoutRevert)
    })
    for (const part of tail) bus.publish(PartRemoved, { sessionID, messageID: part.messageID, partID: part.id })
  }

  /**
   * The files a session changed: of the turn that `messageID` (a user message) started, or of the
   * whole session, as far as it is not reverted. Empty when snapshots are off.
   */
  async diff(sessionID: string, messageID?: string): Promise<SnapshotFileDiff[] | HistoryRefused> {
    const session = this.deps.store.getSession(sessionID)
    if (!session) return { refused: "not-found", message: `session ${sessionID} not found` }
    const messages = keptBy(this.deps.store.messages(sessionID), session.revert)
    if (messageID && !messages.some((message) => message.info.id === messageID)) return []
    const steps = messages.filter(
      (message) => message.info.role === "assistant" && (!messageID || message.info.parentID === messageID),
    )
    const range = snapshotRange(steps)
    if (!range) return []
    return this.deps.snapshots.store(session.directory).diff(range.from, range.to)
  }

  /** Publishes `session.diff` with the session's changes; failures only skip the event. */
  announceDiff(sessionID: string) {
    void this.diff(sessionID).then(
      (diff) => Array.isArray(diff) && this.deps.bus.publish(SessionDiff, { sessionID, diff }),
      () => undefined,
    )
  }

  /** Runs one revert or unrevert at a time per session, never while its loop runs. */
  private async exclusive<T>(
    sessionID: string,
    work: (session: SessionInfo) => Promise<T>,
  ): Promise<T | HistoryRefused> {
    const session = this.deps.store.getSession(sessionID)
    if (!session) return { refused: "not-found", message: `session ${sessionID} not found` }
    if (this.deps.runner.isBusy(sessionID) || this.working.has(sessionID))
      return { refused: "busy", message: `session ${sessionID} is busy; abort it or wait until it is idle` }
    this.working.add(sessionID)
    try {
      return await work(session)
    } finally {
      this.working.delete(sessionID)
    }
  }

  /** Puts every file back as it was in `hash`: changed ones checked out, ones made since deleted. */
  private async restoreTree(directory: string, hash: string) {
    const { snapshots } = this.deps
    const now = await snapshots.track(directory)
    if (!now || now === hash) return
    const store = snapshots.store(directory)
    await store.restoreFiles(hash, await store.changed(now, hash))
  }
}

/** The session without its `revert` field. */
function withoutRevert({ revert: _, ...info }: SessionInfo): SessionInfo {
  return info
}

/** The first snapshot before and the last one after the steps of `messages`. */
function snapshotRange(messages: WithParts[]) {
  const parts = messages.flatMap((message) => message.parts)
  const from = parts.find((part) => part.type === "step-start" && part.snapshot)
  const to = parts.findLast((part) => part.type === "step-finish" && part.snapshot)
  if (from?.type !== "step-start" || to?.type !== "step-finish") return undefined
  return { from: from.snapshot!, to: to.snapshot! }
}
