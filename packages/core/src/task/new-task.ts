import { emptyTokens, type ModelRef } from "../session/message"
import type { TaskInfo } from "./task-info"
import type { WorktreeInfo } from "./worktree"

/** What a task is, before it has a state: who asked, which child does the work, with what. */
export type TaskSpec = {
  parentSessionID: string
  parentMessageID: string
  parentCallID: string
  sessionID: string
  agent: string
  model: ModelRef
  description: string
  prompt: string
  /**
   * The task's id when it is not its child session's (as upstream, a task is named by its child
   * session): only a second task of one child session needs another.
   */
  id?: string
  /** The worktree an isolated task works in. */
  worktree?: WorktreeInfo
}

/**
 * A new ledger row, named by its child session's id unless `spec.id` says otherwise: `queued` for a dispatch waiting for admission, or `running` for a foreground
 * call adopted while it runs (its first attempt already started).
 */
export function newTask(spec: TaskSpec, state: "queued" | "running", now = Date.now()): TaskInfo {
  return {
    ...spec,
    id: spec.id ?? spec.sessionID,
    state,
    attempts: state === "running" ? 1 : 0,
    usage: { tokens: emptyTokens(), cost: 0, steps: 0 },
    time: state === "running" ? { created: now, started: now } : { created: now },
    delivery: "pending",
  }
}
