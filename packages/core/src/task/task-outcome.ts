import { finalAnswer } from "../session/final-answer"
import type { WithParts } from "../session/message"
import type { TaskState } from "./task-info"

/** A cancel or a budget that ended a task early: the state it ends in and why. */
export type TaskStop = { state: TaskState; reason: string }

/** How a task's run ended, as its runner saw it. */
export type RunEnd = {
  /** Set when a cancel or a budget ended the task. */
  stop?: TaskStop
  /** What the child's work threw, if it threw. */
  failure?: string
  /** The child's final assistant message. */
  last?: WithParts
  /** The engine is shutting down. */
  closing: boolean
  /** The step budget in force (for the reason of a step-limited end). */
  maxSteps: number
}

/** What becomes of a task whose run ended. */
export type TaskOutcome =
  /** The engine stopped under it: it stays open in the ledger and is resumed on the next start. */
  | { kind: "left-open" }
  /** It ends in `state` with the child's answer; `reason` says why it ended early, if it did. */
  | { kind: "ended"; state: TaskState; result: string; reason?: string; error?: string }

/**
 * Decides how a task ends. A cancel or a budget decides the state; otherwise a throw or a failed
 * final message is an error, anything else completed. A loop that stopped while still asking for
 * tools ran out of steps: its result is partial, and the reason says so.
 */
export function taskOutcome(end: RunEnd): TaskOutcome {
  if (end.closing && !end.stop) return { kind: "left-open" }
  const info = end.last?.info.role === "assistant" ? end.last.info : undefined
  const stepLimited = !end.stop && !end.failure && info?.finish === "tool-calls" && !info.error
  const state = end.stop?.state ?? (end.failure || info?.error ? "error" : "completed")
  const reason =
    end.stop?.reason ?? (stepLimited ? `step budget of ${end.maxSteps} reached; the result is partial` : undefined)
  return {
    kind: "ended",
    state,
    result: finalAnswer(end.last),
    reason,
    error: state === "error" ? (end.failure ?? info?.error?.data.message) : undefined,
  }
}
