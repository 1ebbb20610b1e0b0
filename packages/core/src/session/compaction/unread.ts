import type { ToolPart, WithParts } from "../message"

/** The time-ordered digits of an ascending id; ids of every kind share one counter, so these compare across kinds. */
const order = (id: string) => id.slice(4, 16)

/** A background result delivered into the transcript: a synthetic, completed `task` part. */
export function isDeliveredResult(part: WithParts["parts"][number]): part is ToolPart {
  return part.type === "tool" && part.tool === "task" && part.metadata?.synthetic === true
}

/** A model call of the session's own agent that completed: a step message, not a delivery or a summary. */
function isRead(message: WithParts) {
  const info = message.info
  if (info.role !== "assistant" || info.summary || info.error || info.finish === "error") return false
  return message.parts.some((part) => part.type === "step-finish")
}

/**
 * Delivered results the parent's model has not read yet: written after the start of the last
 * model call that completed. Compaction keeps these verbatim and pruning leaves them alone.
 */
export function unreadResults(history: WithParts[]) {
  const lastRead = history.findLast(isRead)
  const after = lastRead ? order(lastRead.info.id) : ""
  return history.flatMap((message) =>
    message.parts
      .filter((part) => isDeliveredResult(part) && order(part.id) > after)
      .map((part) => ({ message, part })),
  )
}

/**
 * Where the part of a transcript the model has not read begins: the first message holding an
 * unread delivered result, or the last user prompt when no model call has answered it yet; -1
 * when the model has read everything. A compaction keeps these messages verbatim.
 */
export function firstUnread(history: WithParts[]) {
  const unread = unreadResults(history)
  const result = unread.length ? history.indexOf(unread[0]!.message) : -1
  const prompt = history.findLastIndex((message) => message.info.role === "user")
  const answered = prompt >= 0 && history.slice(prompt + 1).some(isRead)
  const starts = [result, answered ? -1 : prompt].filter((index) => index >= 0)
  return starts.length ? Math.min(...starts) : -1
}
