import type { AgentInfo } from "../agent/agent"
import type { ModelRef } from "./message"
import type { SessionRunner } from "./prompt"
import type { SessionInfo } from "./session-info"
import type { Store } from "./store"

/** Why a session could not be created: a parent or agent that does not exist. */
export type CreateRefused = { refused: "parent" | "agent"; message: string }

/** The sessions of one project: what clients read and change, and deletes that stop their work. */
export class Sessions {
  constructor(
    private readonly deps: {
      store: Store
      runner: SessionRunner
      agents: Map<string, AgentInfo>
      directory: string
      /**
       * Work a session started elsewhere (its background tasks): `before` is called for the
       * session and each descendant before they are deleted, to end it (may abort loops);
       * `after` with every deleted session's id, to remove its records. Neither may throw.
       */
      onDelete?: { before(sessionID: string): void; after(sessionIDs: string[]): void }
      /**
       * Called when a client's abort finds the session's loop idle, so work it stands for
       * elsewhere (a background child's task waiting on its own tasks) can stop. Must not throw.
       */
      onIdleAbort?(sessionID: string): void
    },
  ) {}

  get(sessionID: string) {
    return this.deps.store.getSession(sessionID)
  }

  /** A new session of this project, under `parentID` when given; refused for an unknown parent or agent. */
  create(input: { parentID?: string; title?: string; agent?: string; model?: ModelRef }): SessionInfo | CreateRefused {
    const { store, agents, directory } = this.deps
    if (input.parentID && !store.getSession(input.parentID))
      return { refused: "parent", message: `parent session ${input.parentID} not found` }
    if (input.agent && !agents.has(input.agent))
      return { refused: "agent", message: `agent "${input.agent}" does not exist` }
    return store.createSession({ directory, ...input })
  }

  /** This project's sessions, newest first; `search` matches titles, case-insensitively. */
  list(options: { roots?: boolean; search?: string; limit?: number } = {}) {
    const needle = options.search?.toLowerCase()
    const all = this.deps.store.listSessions({ roots: options.roots, directory: this.deps.directory })
    const found = needle ? all.filter((session) => session.title.toLowerCase().includes(needle)) : all
    return options.limit ? found.slice(0, options.limit) : found
  }

  /** Renames or archives a session. */
  update(sessionID: string, change: { title?: string; archived?: number }) {
    return this.deps.store.updateSession(sessionID, (info) => ({
      ...info,
      title: change.title ?? info.title,
      time: change.archived === undefined ? info.time : { ...info.time, archived: change.archived },
    }))
  }

  /** The session and every session above it, nearest first. */
  ancestors(sessionID: string) {
    return this.deps.store.ancestors(sessionID)
  }

  /** A new root session of this project. */
  createRoot() {
    return this.deps.store.createSession({ directory: this.deps.directory })
  }

  parts(messageID: string) {
    return this.deps.store.parts(messageID)
  }

  children(sessionID: string) {
    return this.deps.store.children(sessionID)
  }

  messages(sessionID: string, limit?: number) {
    return this.deps.store.messages(sessionID, limit)
  }

  message(sessionID: string, messageID: string) {
    return this.deps.store.getMessage(sessionID, messageID)
  }

  /** A client's abort: the running turn is aborted; an idle session tells `onIdleAbort`. */
  abort(sessionID: string) {
    if (!this.deps.runner.abort(sessionID)) this.deps.onIdleAbort?.(sessionID)
  }

  /**
   * Deletes a session and everything below it: descendants, their messages and parts, the
   * background tasks of each (cancelled, then removed). Running loops are aborted; what they
   * write after this is dropped. Returns what was removed.
   */
  delete(sessionID: string) {
    const { store, runner, onDelete } = this.deps
    const below = (id: string): string[] => [id, ...store.children(id).flatMap((child) => below(child.id))]
    for (const id of below(sessionID)) onDelete?.before(id)
    runner.abort(sessionID)
    const removed = store.deleteSession(sessionID)
    for (const info of removed) runner.abort(info.id)
    onDelete?.after(removed.map((info) => info.id))
    return removed
  }
}
