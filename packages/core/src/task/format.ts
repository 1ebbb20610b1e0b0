import type { TaskInfo } from "./task-info"

/**
 * What a background dispatch returns to the model at once. It stays in every later prompt of
 * the parent, so it says only what the model needs: the ids, and that the result comes by itself.
 */
export function receipt(task: TaskInfo) {
  return [
    `<task id="${task.id}" session="${task.sessionID}" state="${task.state}">`,
    `Background task started: ${task.description}. Its result arrives by itself as a task tool result when it ends: do not wait, poll or redo it; carry on, or end your turn.`,
    "</task>",
  ].join("\n")
}

/** Caps text at `max` characters, saying how much was left out and where to find it. */
export function cap(text: string, max: number, sessionID: string) {
  if (text.length <= max) return text
  return `${text.slice(0, max)}\n[… ${text.length - max} more characters; the full transcript is in session ${sessionID}]`
}

/** The result as the parent's model reads it: state, description, usage, duration, capped answer. */
export function resultText(task: TaskInfo, maxChars: number) {
  const duration = task.time.ended && task.time.started ? task.time.ended - task.time.started : 0
  const usage = task.usage
  const head = `<task id="${task.id}" session="${task.sessionID}" state="${task.state}"${task.reason && task.state === "completed" ? ' partial="true"' : ""}>`
  const lines = [
    head,
    `<description>${task.description}</description>`,
    `<usage steps="${usage.steps}" input_tokens="${usage.tokens.input}" output_tokens="${usage.tokens.output}" cost="${usage.cost.toFixed(6)}" duration_ms="${duration}"/>`,
  ]
  if (task.reason) lines.push(`<stopped>${task.reason}</stopped>`)
  if (task.error) lines.push(`<error>${task.error}</error>`)
  lines.push("<task_result>", cap(task.result ?? "", maxChars, task.sessionID), "</task_result>", "</task>")
  return lines.join("\n")
}
