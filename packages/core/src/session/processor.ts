import { streamText, type ModelMessage, type ToolSet } from "ai"
import { ascending } from "../id/id"
import type { ResolvedModel } from "../provider/provider"
import { toSdkTool } from "../tool/sdk-tool"
import { markCache } from "./cache-marks"
import { READ_ONLY_TOOLS } from "../snapshot/read-only-tools"
import type { StepSnapshot } from "../snapshot/snapshots"
import type { Tool, ToolContext } from "../tool/tool"
import type { AssistantMessage, TextPart, ReasoningPart, StepStartPart, ToolPart, Tokens } from "./message"
import { outputLengthError, toMessageError, type MessageError } from "./message-error"
import { classify, type RetryDecision } from "./retry"
import { mergeMetadata } from "./reasoning-metadata"
import { StepToolCalls } from "./step-tool-calls"
import { stepCost, tokensOf } from "./step-usage"
import type { Store } from "./store"

/** What one step needs: where to write, which model and tools, and how to build a tool's context. */
export type StepInput = {
  store: Store
  message: AssistantMessage
  model: ResolvedModel
  system: string[]
  messages: ModelMessage[]
  tools: Tool[]
  temperature?: number
  abort: AbortSignal
  /** Builds a tool's context; `progress` updates the running part (title, metadata) live. */
  toolContext(part: ToolPart, progress: ToolContext["progress"]): ToolContext
  /** A call that sends nothing for this long (first chunk or between chunks) is abandoned. */
  idleTimeoutMs?: number
  /** Snapshots of the project's files around the step (off when undefined). */
  snapshot?: StepSnapshot
}

export type StepResult = { finish: string; error?: MessageError; tokens: Tokens; cost: number; retry?: RetryDecision }

const STREAM_ENDED_EARLY = "the provider's stream ended before the answer was complete"

/**
 * Runs one model call: streams its text, reasoning and tool calls into parts, executes the
 * tools it asks for, and returns how the step finished. Failures come back as data.
 */
export async function runStep(input: StepInput): Promise<StepResult> {
  const { store, message, abort } = input
  const base = { sessionID: message.sessionID, messageID: message.id }
  const stepStart = store.upsertPart({ ...base, id: ascending("part"), type: "step-start" })
  // The tree before the step, taken when its first tool that may change files is about to run (a
  // step that runs none costs no snapshot) and recorded on its step-start part.
  let before: string | undefined
  let snapshotting: Promise<void> | undefined
  const snapshotBeforeTools = () =>
    (snapshotting ??= (async () => {
      before = await input.snapshot?.start()
      if (before) store.upsertPart({ ...stepStart, snapshot: before } as StepStartPart)
    })())

  const sdkTools: ToolSet = {}
  for (const tool of input.tools) sdkTools[tool.id] = toSdkTool(tool)

  const texts = new Map<string, TextPart>()
  const reasonings = new Map<string, ReasoningPart>()
  const calls = new StepToolCalls({
    store,
    ...base,
    tools: input.tools,
    context: input.toolContext,
    beforeRun: (tool) => (input.snapshot && !READ_ONLY_TOOLS.has(tool) ? snapshotBeforeTools() : Promise.resolve()),
  })
  let finish = "unknown"
  let tokens: Tokens = { input: 0, output: 0, reasoning: 0, cache: { read: 0, write: 0 } }
  let error: MessageError | undefined
  let raw: unknown
  let output = false
  let executed = false

  try {
    const { call } = input.model
    const prompt = markCache(call.wire, input.system.join("\n\n"), input.messages, sdkTools)
    const result = streamText({
      model: input.model.language,
      system: prompt.system,
      messages: prompt.messages,
      tools: prompt.tools,
      providerOptions: call.providerOptions,
      maxOutputTokens: call.maxOutputTokens,
      temperature: input.temperature,
      abortSignal: abort,
      maxRetries: 0,
      timeout: input.idleTimeoutMs ? { firstChunkMs: input.idleTimeoutMs, chunkMs: input.idleTimeoutMs } : undefined,
      onError: () => {},
    })
    for await (const chunk of result.fullStream) {
      switch (chunk.type) {
        case "text-start": {
          const part: TextPart = { ...base, id: ascending("part"), type: "text", text: "", time: { start: Date.now() } }
          texts.set(chunk.id, store.upsertPart(part) as TextPart)
          break
        }
        case "text-delta": {
          const part = texts.get(chunk.id)
          if (!part || !chunk.text) break
          part.text += chunk.text
          output = true
          store.delta(part, "text", chunk.text)
          break
        }
        case "text-end": {
          const part = texts.get(chunk.id)
          if (part) store.upsertPart({ ...part, time: { start: part.time!.start, end: Date.now() } })
          break
        }
        case "reasoning-start": {
          const part: ReasoningPart = {
            ...base,
            id: ascending("part"),
            type: "reasoning",
            text: "",
            metadata: mergeMetadata(undefined, chunk.providerMetadata),
            time: { start: Date.now() },
          }
          reasonings.set(chunk.id, store.upsertPart(part) as ReasoningPart)
          break
        }
        case "reasoning-delta": {
          const part = reasonings.get(chunk.id)
          if (!part) break
          // A signature (Anthropic) comes as a delta with no text: kept, to send the thinking back.
          part.metadata = mergeMetadata(part.metadata, chunk.providerMetadata)
          if (!chunk.text) break
          part.text += chunk.text
          store.delta(part, "text", chunk.text)
          break
        }
        case "reasoning-end": {
          const part = reasonings.get(chunk.id)
          if (!part) break
          const metadata = mergeMetadata(part.metadata, chunk.providerMetadata)
          store.upsertPart({ ...part, metadata, time: { start: part.time.start, end: Date.now() } })
          break
        }
        case "tool-input-start":
          calls.part(chunk.id, chunk.toolName)
          break
        case "tool-call": {
          const part = calls.part(chunk.toolCallId, chunk.toolName)
          const args = (chunk.input ?? {}) as Record<string, unknown>
          if (chunk.dynamic && chunk.invalid) {
            calls.refuse(part, args, chunk.error instanceof Error ? chunk.error.message : String(chunk.error))
            break
          }
          output = executed = true
          calls.start(part, args)
          break
        }
        case "finish-step":
          finish = chunk.finishReason
          tokens = tokensOf(chunk.usage)
          break
        case "error":
          raw = chunk.error
          error = toMessageError(chunk.error, abort.aborted, input.model)
          break
        case "abort":
          if (abort.aborted) {
            error = toMessageError(undefined, true)
            break
          }
          // Not ours: the call's idle timeout fired.
          const message = `the provider sent nothing for ${input.idleTimeoutMs} ms`
          raw = { name: "TimeoutError", message }
          error = { name: "APIError", data: { message, isRetryable: true } }
          break
      }
    }
    await calls.finished()
  } catch (thrown) {
    raw = thrown
    error = toMessageError(thrown, abort.aborted, input.model)
    await calls.settled()
  }
  if (!error && !abort.aborted && !output && (finish === "unknown" || finish === "other" || finish === "interrupted")) {
    raw = { name: "ModelCallIdleError", message: STREAM_ENDED_EARLY }
    error = { name: "APIError", data: { message: STREAM_ENDED_EARLY, isRetryable: true } }
  }

  if (!error && !abort.aborted && !executed && finish === "length") error = outputLengthError()
  if (abort.aborted && !error) error = toMessageError(undefined, true)
  calls.closeUnfinished(error ? error.data.message : "the step ended before the tool ran")
  for (const part of texts.values())
    if (!part.time?.end) store.upsertPart({ ...part, time: { start: part.time!.start, end: Date.now() } })

  const cost = stepCost(tokens, input.model)
  const after = before && executed ? await input.snapshot?.finish(before) : undefined
  store.upsertPart({
    ...base,
    id: ascending("part"),
    type: "step-finish",
    reason: error ? "error" : finish,
    snapshot: after?.snapshot,
    cost,
    tokens,
  })
  // What the step changed, and the tree from before it to undo that with (a revert reads these).
  if (before && after?.files.length) {
    store.upsertPart({ ...base, id: ascending("part"), type: "patch", hash: before, files: after.files })
    input.snapshot?.changed()
  }
  // A failed call is retried (its partial text dropped) unless a tool already ran: that would repeat it.
  const decided = error && !abort.aborted && !executed ? classify(raw) : undefined
  // A call that reached no answer is told with the provider and address it tried, not the SDK's bare words.
  const unreached = error?.name === "APIError" && error.data.statusCode === undefined ? error.data.message : undefined
  const retry = decided?.retry && unreached ? { ...decided, reason: unreached } : decided
  return { finish: error ? "error" : finish, error, tokens, cost, retry }
}
