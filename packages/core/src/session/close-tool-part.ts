import { answeredText } from "./answered-call"
import type { Part, ToolPart } from "./message"

/**
 * A tool part that never finished (still pending or running), ended as an error saying why;
 * undefined for any other part. A step that ends early and a restart after a crash both close
 * what was left open this way. A call answered while its work goes on (a background dispatch)
 * is not closed here: its work ends it.
 */
export function closeToolPart(part: Part, reason: string, now = Date.now()): ToolPart | undefined {
  if (part.type !== "tool") return undefined
  if (part.state.status !== "pending" && part.state.status !== "running") return undefined
  if (answeredText(part) !== undefined) return undefined
  const start = part.state.status === "running" ? part.state.time.start : now
  return { ...part, state: { status: "error", input: part.state.input, error: reason, time: { start, end: now } } }
}
