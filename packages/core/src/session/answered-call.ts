import type { Part, ToolPart } from "./message"

/**
 * The text a call was answered with while its work goes on (a background dispatch's receipt, kept
 * in `metadata.receipt`), or undefined for an ordinary call. Such a part follows its work's state
 * (running, then completed or error) but the model always reads the answer it was given, so the
 * request's prefix never changes; and nothing closes it as unfinished, its work ends it.
 */
export function answeredText(part: ToolPart): string | undefined {
  const metadata = part.state.status === "pending" ? undefined : part.state.metadata
  return metadata?.background === true && typeof metadata.receipt === "string" ? metadata.receipt : undefined
}

/**
 * A part as a copy elsewhere keeps it (a fork): a call answered while its work goes on is copied
 * as `completed` with the answer it was given, since its work reports to the original only and
 * the copy would otherwise stay running for good. Any other part is returned as is.
 */
export function settledCopy(part: Part, now = Date.now()): Part {
  if (part.type !== "tool" || part.state.status !== "running") return part
  const answer = answeredText(part)
  if (answer === undefined) return part
  const { input, title = part.tool, metadata = {}, time } = part.state
  const state = {
    status: "completed" as const,
    input,
    output: answer,
    title,
    metadata,
    time: { start: time.start, end: now },
  }
  return { ...part, state }
}
