import { ascending } from "../id/id"
import { newAssistantMessage } from "../session/assistant-message"
import type { AssistantMessage, ToolPart, UserMessage } from "../session/message"
import type { SessionInfo } from "../session/session-info"
import { resultText } from "./format"
import type { TaskInfo } from "./task-info"

/** How a result reached its parent: drained at a step boundary of a busy loop, or appended to an idle session. */
export type DeliveryVia = "step" | "idle"

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

/** The completed `task` tool part that carries a result into the parent's transcript. */
export function resultPart(task: TaskInfo, message: AssistantMessage, maxChars: number, via: DeliveryVia): ToolPart {
  const now = Date.now()
  return {
    id: ascending("part", now),
    sessionID: message.sessionID,
    messageID: message.id,
    type: "tool",
    callID: `call_${task.id}`,
    tool: "task",
    state: {
      status: "completed",
      input: { description: task.description, subagent_type: task.agent, task_id: task.id },
      output: resultText(task, maxChars),
      title: `${task.description} (${task.state})`,
      metadata: { synthetic: true, taskID: task.id, sessionId: task.sessionID, state: task.state, via },
      time: { start: task.time.started ?? task.time.created, end: now },
    },
    metadata: { synthetic: true },
  }
}
