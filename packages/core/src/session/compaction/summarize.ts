import type { ModelMessage } from "ai"
import type { ResolvedModel } from "../../provider/provider"
import { newAssistantMessage } from "../assistant-message"
import type { AssistantMessage, UserMessage, WithParts } from "../message"
import { runStep } from "../processor"
import type { Store } from "../store"
import { toModelMessages } from "../to-model"
import summaryPrompt from "./summary-prompt.txt" with { type: "text" }
import summarySystem from "./summary-system.txt" with { type: "text" }

/** The instruction the model answers with the summary; sent after the transcript it summarises. */
export const SUMMARY_PROMPT = summaryPrompt.trim()

/** What the model is told it is doing when it writes a summary. */
export const SUMMARY_SYSTEM = summarySystem.trim()

/**
 * Asks the model for a summary of `transcript` and writes it as the assistant answer to the
 * compaction request `request` (`summary: true`, mode "compaction"). No tools are offered. A
 * failed call is stored on the message, as any step's; the caller reads `error`.
 */
export async function writeSummary(input: {
  store: Store
  model: ResolvedModel
  request: UserMessage
  transcript: WithParts[]
  directory: string
  abort: AbortSignal
  idleTimeoutMs?: number
}): Promise<AssistantMessage> {
  const { store, request } = input
  const message: AssistantMessage = {
    ...newAssistantMessage({
      sessionID: request.sessionID,
      parentID: request.id,
      model: request.model,
      agent: "compaction",
      directory: input.directory,
    }),
    summary: true,
  }
  store.upsertMessage(message)
  const messages: ModelMessage[] = [
    ...toModelMessages(input.transcript),
    { role: "user", content: [{ type: "text", text: SUMMARY_PROMPT }] },
  ]
  const result = await runStep({
    store,
    message,
    model: input.model,
    system: [SUMMARY_SYSTEM],
    messages,
    tools: [],
    abort: input.abort,
    idleTimeoutMs: input.idleTimeoutMs,
    toolContext: () => {
      throw new Error("a summary offers no tools")
    },
  })
  const done: AssistantMessage = {
    ...message,
    time: { ...message.time, completed: Date.now() },
    finish: result.finish,
    error: result.error,
    cost: result.cost,
    tokens: result.tokens,
  }
  store.transaction(() => {
    store.upsertMessage(done)
    store.addUsage(request.sessionID, result.tokens, result.cost)
  })
  return done
}
