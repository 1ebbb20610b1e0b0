import { jsonSchema, streamText, tool as sdkTool, type JSONSchema7, type ModelMessage, type ToolSet } from "ai"
import { z } from "zod"
import { ascending } from "../id/id"
import type { ResolvedModel } from "../provider/provider"
import { fail, isFailure, type Tool, type ToolContext, type ToolOutcome } from "../tool/tool"
import type { AssistantMessage, MessageError, Part, TextPart, ReasoningPart, ToolPart, Tokens } from "./message"
import type { Store } from "./store"
import { classify, type RetryDecision } from "./retry"

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
}

export type StepResult = { finish: string; error?: MessageError; tokens: Tokens; cost: number; retry?: RetryDecision }

function tokensOf(usage: {
  inputTokens?: number
  outputTokens?: number
  outputTokenDetails?: { reasoningTokens?: number }
  inputTokenDetails?: { cacheReadTokens?: number; cacheWriteTokens?: number }
}): Tokens {
  const input = usage.inputTokens ?? 0
  const output = usage.outputTokens ?? 0
  return {
    total: input + output,
    input,
    output,
    reasoning: usage.outputTokenDetails?.reasoningTokens ?? 0,
    cache: {
      read: usage.inputTokenDetails?.cacheReadTokens ?? 0,
      write: usage.inputTokenDetails?.cacheWriteTokens ?? 0,
    },
  }
}

const converted = new WeakMap<Tool, ToolSet[string]>()

/**
 * The AI SDK form of a tool, made once per tool: converting a zod schema to JSON Schema on every
 * model call is a measurable cost when hundreds of children run.
 */
function toSdkTool(tool: Tool) {
  let sdk = converted.get(tool)
  if (!sdk) {
    const schema = z.toJSONSchema(tool.parameters, { io: "input", unrepresentable: "any" }) as JSONSchema7
    sdk = sdkTool({
      description: tool.description,
      inputSchema: jsonSchema(schema, {
        validate: (value) => {
          const parsed = tool.parameters.safeParse(value)
          return parsed.success ? { success: true, value: parsed.data } : { success: false, error: parsed.error }
        },
      }),
    })
    converted.set(tool, sdk)
  }
  return sdk
}

/** Turns anything thrown by a provider or the SDK into a named, serialisable message error. */
export function toMessageError(error: unknown, aborted: boolean): MessageError {
  if (aborted) return { name: "MessageAbortedError", data: { message: "The operation was aborted." } }
  const record = (error ?? {}) as { name?: string; message?: string; statusCode?: number; isRetryable?: boolean }
  const message = record.message || String(error)
  if (record.statusCode === 401 || record.statusCode === 403)
    return { name: "ProviderAuthError", data: { message, providerID: "", statusCode: record.statusCode } }
  if (record.statusCode !== undefined || record.name === "AI_APICallError")
    return {
      name: "APIError",
      data: { message, statusCode: record.statusCode, isRetryable: record.isRetryable ?? false },
    }
  return { name: "UnknownError", data: { message } }
}

/**
 * Runs one model call: streams its text, reasoning and tool calls into parts, executes the
 * tools it asks for, and returns how the step finished. Failures come back as data.
 */
export async function runStep(input: StepInput): Promise<StepResult> {
  const { store, message, abort } = input
  const base = { sessionID: message.sessionID, messageID: message.id }
  store.upsertPart({ ...base, id: ascending("part"), type: "step-start" })

  const byName = new Map(input.tools.map((tool) => [tool.id, tool]))
  const sdkTools: ToolSet = {}
  for (const tool of input.tools) sdkTools[tool.id] = toSdkTool(tool)

  const texts = new Map<string, TextPart>()
  const reasonings = new Map<string, ReasoningPart>()
  const toolParts = new Map<string, ToolPart>()
  const running: Promise<void>[] = []
  let finish = "unknown"
  let tokens: Tokens = { input: 0, output: 0, reasoning: 0, cache: { read: 0, write: 0 } }
  let error: MessageError | undefined
  let raw: unknown
  let output = false
  let executed = false

  const execute = async (part: ToolPart, args: Record<string, unknown>) => {
    const tool = byName.get(part.tool)!
    const start = Date.now()
    const running: ToolPart = { ...part, state: { status: "running", input: args, time: { start } } }
    store.upsertPart(running)
    toolParts.set(part.callID, running)
    const progress: ToolContext["progress"] = (update) => {
      const current = toolParts.get(part.callID)
      if (current?.state.status !== "running") return
      const next: ToolPart = {
        ...current,
        state: {
          ...current.state,
          title: update.title ?? current.state.title,
          metadata: { ...current.state.metadata, ...update.metadata },
        },
      }
      toolParts.set(part.callID, next)
      store.upsertPart(next)
    }
    const outcome: ToolOutcome = await tool
      .execute(args, input.toolContext(running, progress))
      .catch((thrown: unknown) =>
        fail(`tool ${part.tool} crashed: ${thrown instanceof Error ? thrown.message : String(thrown)}`),
      )
    const current = (toolParts.get(part.callID) ?? running) as ToolPart
    const metadata = current.state.status === "running" ? current.state.metadata : undefined
    const done: ToolPart = isFailure(outcome)
      ? {
          ...part,
          state: {
            status: "error",
            input: args,
            error: outcome.error,
            metadata: { ...metadata, ...outcome.metadata },
            time: { start, end: Date.now() },
          },
        }
      : {
          ...part,
          state: {
            status: "completed",
            input: args,
            output: outcome.output,
            title: outcome.title,
            metadata: { ...metadata, ...outcome.metadata },
            time: { start, end: Date.now() },
          },
        }
    toolParts.set(part.callID, done)
    store.upsertPart(done)
  }

  const toolPart = (callID: string, name: string): ToolPart => {
    const existing = toolParts.get(callID)
    if (existing) return existing
    const part: ToolPart = {
      ...base,
      id: ascending("part"),
      type: "tool",
      callID,
      tool: name,
      state: { status: "pending", input: {}, raw: "" },
    }
    toolParts.set(callID, part)
    store.upsertPart(part)
    return part
  }

  try {
    const result = streamText({
      model: input.model.language,
      system: input.system.join("\n\n"),
      messages: input.messages,
      tools: sdkTools,
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
            time: { start: Date.now() },
          }
          reasonings.set(chunk.id, store.upsertPart(part) as ReasoningPart)
          break
        }
        case "reasoning-delta": {
          const part = reasonings.get(chunk.id)
          if (!part || !chunk.text) break
          part.text += chunk.text
          store.delta(part, "text", chunk.text)
          break
        }
        case "reasoning-end": {
          const part = reasonings.get(chunk.id)
          if (part) store.upsertPart({ ...part, time: { start: part.time.start, end: Date.now() } })
          break
        }
        case "tool-input-start":
          toolPart(chunk.id, chunk.toolName)
          break
        case "tool-call": {
          const part = toolPart(chunk.toolCallId, chunk.toolName)
          const args = (chunk.input ?? {}) as Record<string, unknown>
          if (chunk.dynamic && chunk.invalid) {
            const reason = chunk.error instanceof Error ? chunk.error.message : String(chunk.error)
            const now = Date.now()
            const failed: ToolPart = {
              ...part,
              state: {
                status: "error",
                input: typeof args === "object" ? args : {},
                error: `invalid tool call: ${reason}`,
                time: { start: now, end: now },
              },
            }
            toolParts.set(part.callID, failed)
            store.upsertPart(failed)
            break
          }
          output = executed = true
          running.push(execute(part, args))
          break
        }
        case "finish-step":
          finish = chunk.finishReason
          tokens = tokensOf(chunk.usage)
          break
        case "error":
          raw = chunk.error
          error = toMessageError(chunk.error, abort.aborted)
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
    await Promise.all(running)
  } catch (thrown) {
    raw = thrown
    error = toMessageError(thrown, abort.aborted)
    await Promise.allSettled(running)
  }
  if (!error && !abort.aborted && !output && (finish === "unknown" || finish === "other" || finish === "interrupted")) {
    raw = { name: "ModelCallIdleError", message: "the provider's stream ended before the answer was complete" }
    error = {
      name: "APIError",
      data: { message: "the provider's stream ended before the answer was complete", isRetryable: true },
    }
  }

  if (abort.aborted && !error) error = toMessageError(undefined, true)
  closeDangling(store, [...toolParts.values()], error ? error.data.message : "the step ended before the tool ran")
  for (const part of texts.values())
    if (!part.time?.end) store.upsertPart({ ...part, time: { start: part.time!.start, end: Date.now() } })

  const cost =
    (tokens.input * input.model.cost.input +
      tokens.output * input.model.cost.output +
      tokens.cache.read * input.model.cost.cacheRead) /
    1_000_000
  store.upsertPart({
    ...base,
    id: ascending("part"),
    type: "step-finish",
    reason: error ? "error" : finish,
    cost,
    tokens,
  })
  // A failed call is retried (its partial text dropped) unless a tool already ran: that would repeat it.
  const retry = error && !abort.aborted && !executed ? classify(raw) : undefined
  return { finish: error ? "error" : finish, error, tokens, cost, retry }
}

/** Closes tool parts still pending or running with an error saying why. */
export function closeDangling(store: Store, parts: Part[], reason: string) {
  const now = Date.now()
  for (const part of parts) {
    if (part.type !== "tool") continue
    if (part.state.status !== "pending" && part.state.status !== "running") continue
    const start = part.state.status === "running" ? part.state.time.start : now
    store.upsertPart({
      ...part,
      state: { status: "error", input: part.state.input, error: reason, time: { start, end: now } },
    })
  }
}
