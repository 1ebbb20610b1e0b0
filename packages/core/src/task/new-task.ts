import { ascending } from "../id/id"
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
  /** The id to use, when something (an isolated task's branch) was named after it already. */
  id?: string
  /** The worktree an isolated task works in. */
  worktree?: WorktreeInfo
}

/**
 * A new ledger row: `queued` for a dispatch waiting for admission, or `running` for a foreground
 * call adopted while it runs (its first attempt already started).
 */
export function newTask(spec: TaskSpec, state: "queued" | "running", now = Date.now()): TaskInfo {
  return {
    ...spec,
    id: spec.id ?? ascending("task", now),
    state,
    attempts: state === "running" ? 1 : 0,
    usage: { tokens: emptyTokens(), cost: 0, steps: 0 },
    time: state === "running" ? { created: now, started: now } : { created: now },
    delivery: "pending",
  }
}
