import type { CompactionPart, UserMessage, WithParts } from "../message"

/** The compaction part of a user message, if it asks for a compaction. */
export function compactionOf(message: WithParts): CompactionPart | undefined {
  if (message.info.role !== "user") return undefined
  return message.parts.find((part): part is CompactionPart => part.type === "compaction")
}

/** A summary that stands for what came before it: completed, without error. */
export function isSummary(message: WithParts) {
  const info = message.info
  return info.role === "assistant" && info.summary === true && !!info.time.completed && !info.error
}

/**
 * What the model sees of a transcript: after the last completed compaction, its request, the
 * summary, the messages it kept verbatim (from `tail_start_id`), then everything after it.
 * Without a compaction, the whole transcript.
 */
export function modelView(history: WithParts[]): WithParts[] {
  for (let i = history.length - 1; i >= 0; i--) {
    const summary = history[i]!
    const info = summary.info
    if (!isSummary(summary) || info.role !== "assistant") continue
    const at = history.findIndex((message) => message.info.id === info.parentID)
    const part = at >= 0 ? compactionOf(history[at]!) : undefined
    if (!part) continue
    const tailStart = part.tail_start_id ? history.findIndex((message) => message.info.id === part.tail_start_id) : -1
    const tail = tailStart < at ? tailOf(history.slice(0, at), tailStart) : []
    const after = history.slice(at + 1).filter((message) => message !== summary)
    return [history[at]!, summary, ...tail, ...after]
  }
  return history
}

/**
 * The messages from `start` on that a compaction keeps verbatim after its summary: all but earlier
 * compaction requests and summaries, which the new summary stands for. None when `start` is -1.
 */
export function tailOf(history: WithParts[], start: number): WithParts[] {
  if (start < 0) return []
  return history.slice(start).filter((m) => !compactionOf(m) && !(m.info.role === "assistant" && m.info.summary))
}

/** The compaction the session's last user message asks for and nothing has answered yet. */
export function requestedCompaction(history: WithParts[]) {
  const at = history.findLastIndex((message) => message.info.role === "user")
  const request = history[at]
  if (!request || !compactionOf(request)) return undefined
  const answered = history
    .slice(at + 1)
    .some(
      (message) =>
        message.info.role === "assistant" && message.info.summary && message.info.parentID === request.info.id,
    )
  return answered ? undefined : { index: at, info: request.info as UserMessage, part: compactionOf(request)! }
}
