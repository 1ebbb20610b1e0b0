import type { AssistantModelMessage, ModelMessage, ToolModelMessage } from "ai"
import { answeredText } from "./answered-call"
import type { Part, ToolPart, WithParts } from "./message"
import { reasoningOptions } from "./reasoning-metadata"

/** What the model is told about a tool call that never finished (the process stopped, say). */
export const INTERRUPTED_TOOL = "The tool did not finish: its run was interrupted."

/** What the model is told in place of a tool output cleared to save context. */
export const CLEARED_OUTPUT = "[This tool output was cleared to save context.]"

/** The request that the summary after it answers, as the model reads it. */
export const COMPACTION_REQUEST = "Summarise the conversation so far, so the work can go on from the summary."

function toolResult(part: ToolPart) {
  const state = part.state
  if (state.status === "completed" && state.time.compacted) return { type: "text" as const, value: CLEARED_OUTPUT }
  const answer = answeredText(part)
  if (answer !== undefined) return { type: "text" as const, value: answer }
  if (state.status === "completed") return { type: "text" as const, value: state.output }
  // A delivered result names its own state in its text: sent as an ordinary result, so every wire passes it
  // verbatim (OpenAI's adapters send an error output as a JSON object, its text escaped).
  if (state.status === "error" && part.metadata?.synthetic === true)
    return { type: "text" as const, value: state.error }
  if (state.status === "error") return { type: "error-text" as const, value: state.error }
  return { type: "error-text" as const, value: INTERRUPTED_TOOL }
}

/** A message that only carries delivered background results (see docs/background.md). */
function isDelivery(parts: Part[]) {
  return parts.length > 0 && parts.every((part) => part.type === "tool" && part.metadata?.synthetic === true)
}

/**
 * The tool whose call carries a delivery to the model: one call per delivery, its result every delivered task's
 * text, as `task_status` answers for finished tasks. One call instead of one per task, since the call and its
 * result's framing are written to the prompt cache once for the whole delivery rather than once per child.
 */
export const DELIVERY_TOOL = "task_status"

type Turn = { assistant: AssistantModelMessage & { content: unknown[] }; results: ToolModelMessage }

function addTools(turn: Turn, parts: Part[]) {
  for (const part of parts) {
    if (part.type !== "tool") continue
    turn.assistant.content.push({
      type: "tool-call",
      toolCallId: part.callID,
      toolName: part.tool,
      input: part.state.input,
    })
    turn.results.content.push({
      type: "tool-result",
      toolCallId: part.callID,
      toolName: part.tool,
      output: toolResult(part),
    })
  }
}

/** A delivery as one `task_status` call (with no arguments: all of the session's tasks) and its result. */
function addDelivery(turn: Turn, parts: Part[]) {
  const tools = parts.filter((part): part is ToolPart => part.type === "tool")
  const toolCallId = tools[0]!.callID
  turn.assistant.content.push({ type: "tool-call", toolCallId, toolName: DELIVERY_TOOL, input: {} })
  const value = tools.map((part) => toolResult(part).value).join("\n\n")
  turn.results.content.push({
    type: "tool-result",
    toolCallId,
    toolName: DELIVERY_TOOL,
    output: { type: "text", value },
  })
}

function assistantTurn(parts: Part[]): Turn {
  const turn: Turn = { assistant: { role: "assistant", content: [] }, results: { role: "tool", content: [] } }
  for (const part of parts) {
    if (part.type === "text" && part.text) turn.assistant.content.push({ type: "text", text: part.text })
    // A reasoning block cut off before its end (the call failed or was aborted) was never issued whole: left out.
    if (part.type === "reasoning" && part.time.end !== undefined) {
      // Kept with what the provider needs to accept it back: a signature, redacted data, an item id.
      const providerOptions = reasoningOptions(part.metadata)
      if (part.text || providerOptions)
        turn.assistant.content.push({ type: "reasoning", text: part.text, providerOptions })
    }
    if (part.type === "tool") addTools(turn, [part])
  }
  return turn
}

/**
 * The stored transcript as AI SDK model messages. Appending to the transcript only ever appends to this
 * list, so a provider's prompt cache stays valid.
 *
 * Delivered background results join the turn they arrive in: their calls go after the tool calls of the
 * last assistant message, their results after that message's results. So the assistant message whose calls
 * the request's last results answer is always one the model wrote, thinking block first, as Anthropic
 * requires with thinking on; OpenAI's reasoning items stay right before the items that followed them. A
 * delivery with no assistant message since the last user message is sent as the user's side of the
 * conversation instead: the result text just before that message, which stays last, so the model answers
 * the user with the result in view.
 */
export function toModelMessages(history: WithParts[]): ModelMessage[] {
  const out: (ModelMessage | Turn)[] = []
  let open: Turn | undefined
  for (const { info, parts } of history) {
    if (info.role === "user") {
      open = undefined
      const text = parts.flatMap((part) => {
        if (part.type === "compaction") return [COMPACTION_REQUEST]
        return part.type === "text" && !part.ignored ? [part.text] : []
      })
      if (text.length) out.push({ role: "user", content: text.map((value) => ({ type: "text", text: value })) })
      continue
    }
    if (isDelivery(parts) && open) {
      addDelivery(open, parts)
      continue
    }
    if (isDelivery(parts)) {
      const results = parts.flatMap((part) => (part.type === "tool" ? [toolResult(part).value] : []))
      const delivered: ModelMessage = { role: "user", content: results.map((text) => ({ type: "text", text })) }
      const last = out.at(-1)
      if (last && "role" in last && last.role === "user") out.splice(-1, 0, delivered)
      else out.push(delivered)
      continue
    }
    const turn = assistantTurn(parts)
    if (!turn.assistant.content.length) continue
    out.push(turn)
    open = turn
  }
  return out.flatMap((entry) => {
    if (!("assistant" in entry)) return [entry]
    return entry.results.content.length ? [entry.assistant, entry.results] : [entry.assistant]
  })
}
