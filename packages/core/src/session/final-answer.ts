import type { WithParts } from "./message"

/** A session's final assistant message, if it has one. */
export function lastAssistant(messages: WithParts[]) {
  return messages.findLast((message) => message.info.role === "assistant")
}

/**
 * What a sub-agent answers its caller: the last text part of its final assistant message, or ""
 * when it wrote none. Text written earlier in the same message (before a tool call or a thought)
 * is working, not the answer; the full transcript stays in the child session.
 */
export function finalAnswer(message: WithParts | undefined) {
  const text = message?.parts.findLast((part) => part.type === "text")
  return text?.type === "text" ? text.text : ""
}
