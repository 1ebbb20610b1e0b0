import type { ModelMessage } from "ai"
import type { ToolPart, WithParts } from "./message"

/** What the model is told about a tool call that never finished (the process stopped, say). */
export const INTERRUPTED_TOOL = "The tool did not finish: its run was interrupted."

/** What the model is told in place of a tool output cleared to save context. */
export const CLEARED_OUTPUT = "[This tool output was cleared to save context.]"

/** The request that the summary after it answers, as the model reads it. */
export const COMPACTION_REQUEST = "Summarise the conversation so far, so the work can go on from the summary."

function toolResult(part: ToolPart) {
  const state = part.state
  if (state.status === "completed" && state.time.compacted) return { type: "text" as const, value: CLEARED_OUTPUT }
  if (state.status === "completed") return { type: "text" as const, value: state.output }
  if (state.status === "error") return { type: "error-text" as const, value: state.error }
  return { type: "error-text" as const, value: INTERRUPTED_TOOL }
}

/**
 * The stored transcript as AI SDK model messages. Appending to the transcript only ever
 * appends to this list, so a provider's prompt cache stays valid.
 */
export function toModelMessages(history: WithParts[]): ModelMessage[] {
  const out: ModelMessage[] = []
  for (const { info, parts } of history) {
    if (info.role === "user") {
      const text = parts.flatMap((part) => {
        if (part.type === "compaction") return [COMPACTION_REQUEST]
        return part.type === "text" && !part.ignored ? [part.text] : []
      })
      if (text.length) out.push({ role: "user", content: text.map((value) => ({ type: "text", text: value })) })
      continue
    }
    const content: Extract<ModelMessage, { role: "assistant" }>["content"] & unknown[] = []
    const results: Extract<ModelMessage, { role: "tool" }>["content"] = []
    for (const part of parts) {
      if (part.type === "text" && part.text) content.push({ type: "text", text: part.text })
      if (part.type === "reasoning" && part.text) content.push({ type: "reasoning", text: part.text })
      if (part.type !== "tool") continue
      content.push({ type: "tool-call", toolCallId: part.callID, toolName: part.tool, input: part.state.input })
      results.push({ type: "tool-result", toolCallId: part.callID, toolName: part.tool, output: toolResult(part) })
    }
    if (content.length) out.push({ role: "assistant", content })
    if (results.length) out.push({ role: "tool", content: results })
  }
  return out
}
