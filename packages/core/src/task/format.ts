import { allInput } from "../session/step-usage"
import type { TaskInfo } from "./task-info"
import type { TaskChanges } from "./worktree"

/**
 * What a background dispatch returns to the model at once. It stays in every later prompt of the parent and is
 * written to the prompt cache once per child, so it holds only the id and the state: the call's input has the
 * description, and the task tool's description says once for all calls that the result comes by itself.
 */
export function receipt(task: TaskInfo) {
  const session = task.id === task.sessionID ? "" : `, session ${task.sessionID}`
  return `Background task started: ${task.id} (${task.state}${session}).`
}

/**
 * The files a child changed, and for an isolated child whether they were applied to the
 * parent's tree or wait on a branch because they conflict with the parent's own changes.
 */
export function changesText(changes: TaskChanges) {
  const merge = changes.merge ? ` merge="${changes.merge}"` : ""
  const branch = changes.branch ? ` branch="${changes.branch}"` : ""
  const lines = [`<changes files="${changes.files.length}"${merge}${branch}>`, ...changes.files]
  if (changes.merge === "conflict")
    lines.push(
      `Not applied: ${changes.conflicts?.join(", ")} conflict with your changes. The work is on branch ${changes.branch}; merge it yourself (git merge ${changes.branch}) or redo it.`,
    )
  else if (changes.error) lines.push(`Not applied: ${changes.error}. The work is on branch ${changes.branch}.`)
  else if (changes.merge === "applied")
    lines.push("Applied to your working tree; read these files again before editing them.")
  lines.push("</changes>")
  return lines.join("\n")
}

/** Caps text at `max` characters, saying how much was left out and where to find it. */
export function cap(text: string, max: number, sessionID: string) {
  if (text.length <= max) return text
  return `${text.slice(0, max)}\n[… ${text.length - max} more characters; the full transcript is in session ${sessionID}]`
}

/**
 * The result as the parent's model reads it: id, state, description, why it stopped, changed files and the capped
 * answer. `usage` adds the child's steps, tokens, cost and duration, for `task_status`; a delivered result leaves
 * them out, since each delivered token is written to the parent's prompt cache once per child.
 */
export function resultText(task: TaskInfo, maxChars: number, usage = false) {
  const partial = task.reason && task.state === "completed" ? ' partial="true"' : ""
  const lines = [`<task id="${task.id}"${sessionAttribute(task)} state="${task.state}"${partial}>`]
  lines.push(`<description>${task.description}</description>`)
  if (usage) lines.push(usageLine(task))
  if (task.reason) lines.push(`<stopped>${task.reason}</stopped>`)
  if (task.error) lines.push(`<error>${task.error}</error>`)
  if (task.changes) lines.push(changesText(task.changes))
  lines.push("<task_result>", cap(task.result ?? "", maxChars, task.sessionID), "</task_result>", "</task>")
  return lines.join("\n")
}

function usageLine(task: TaskInfo) {
  const duration = task.time.ended && task.time.started ? task.time.ended - task.time.started : 0
  const usage = task.usage
  return `<usage steps="${usage.steps}" input_tokens="${allInput(usage.tokens)}" output_tokens="${usage.tokens.output}" cost="${usage.cost.toFixed(6)}" duration_ms="${duration}"/>`
}

/** The child session, named apart only when it is not the task's id (a task of an older database). */
function sessionAttribute(task: TaskInfo) {
  return task.id === task.sessionID ? "" : ` session="${task.sessionID}"`
}
