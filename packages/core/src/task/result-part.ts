import { ascending } from "../id/id"
import { newAssistantMessage } from "../session/assistant-message"
import type { AssistantMessage, ToolPart, ToolState, UserMessage } from "../session/message"
import type { SessionInfo } from "../session/session-info"
import type { TaskParameters } from "../tool/task"
import { resultText } from "./format"
import type { TaskInfo } from "./task-info"

/** How a result reached its parent: drained at a step boundary of a busy loop, or appended to an idle session. */
export type DeliveryVia = "step" | "idle"

/** How much of the task's prompt the synthetic call repeats: the whole prompt is in the dispatch call already. */
export const PROMPT_ECHO_CHARS = 200

/**
 * The synthetic assistant message that carries delivered results: it answers the parent's last
 * user message with that message's model and agent, so the parent's turn goes on unchanged.
 */
export function resultMessage(parent: SessionInfo, user: UserMessage, now: number): AssistantMessage {
  return {
    ...newAssistantMessage({
      sessionID: parent.id,
      parentID: user.id,
      model: user.model,
      agent: user.agent,
      directory: parent.directory,
      now,
    }),
    time: { created: now, completed: now },
    finish: "tool-calls",
  }
}

/**
 * The input of the synthetic call: a valid `task` call that continues the task (`task_id`), so a
 * model reads it as a call it could have made. The prompt is the task's, shortened.
 */
export function resultInput(task: TaskInfo): TaskParameters {
  const prompt = task.prompt.length > PROMPT_ECHO_CHARS ? `${task.prompt.slice(0, PROMPT_ECHO_CHARS)}…` : task.prompt
  return {
    description: task.description,
    prompt: prompt || task.description,
    subagent_type: task.agent,
    task_id: task.id,
  }
}

/**
 * The metadata opencode's clients read from a task part (`sessionId` to open the child, `model`,
 * `background`), and ours: the task, its state and how it was delivered.
 */
export function taskPartMetadata(task: TaskInfo) {
  return {
    parentSessionId: task.parentSessionID,
    sessionId: task.sessionID,
    model: { providerID: task.model.providerID, modelID: task.model.modelID },
    background: true,
    taskID: task.id,
    state: task.state,
  }
}

/**
 * A finished task as a tool state: `completed` for a completed task; a cancelled, failed or
 * interrupted one is an `error` whose text is the whole result, reason first, so no client shows
 * it as a success and the model reads the same as for any other result.
 */
export function finishedState(
  task: TaskInfo,
  output: string,
  metadata: Record<string, unknown>,
  end: number,
): ToolState {
  const input = resultInput(task)
  const time = { start: task.time.started ?? task.time.created, end }
  if (task.state === "completed")
    return { status: "completed", input, output, title: `${task.description} (completed)`, metadata, time }
  return { status: "error", input, error: `${endedWithout(task)}\n${output}`, metadata, time }
}

/** How a task that did not complete ended, as its parts' errors begin: `Task cancelled: <reason>`. */
export function endedWithout(task: TaskInfo) {
  return `Task ${task.state}: ${task.reason ?? task.error ?? task.state}`
}

/** The `task` tool part that carries a result into the parent's transcript. */
export function resultPart(task: TaskInfo, message: AssistantMessage, maxChars: number, via: DeliveryVia): ToolPart {
  const now = Date.now()
  const metadata = { ...taskPartMetadata(task), synthetic: true, via }
  return {
    id: ascending("part", now),
    sessionID: message.sessionID,
    messageID: message.id,
    type: "tool",
    callID: `call_${task.id}`,
    tool: "task",
    state: finishedState(task, resultText(task, maxChars), metadata, now),
    metadata: { synthetic: true },
  }
}
