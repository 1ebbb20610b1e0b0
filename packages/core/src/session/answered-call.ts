import type { ToolPart } from "./message"

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
