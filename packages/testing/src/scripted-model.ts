import type {
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4Prompt,
  LanguageModelV4StreamPart,
  LanguageModelV4ToolResultOutput,
} from "@ai-sdk/provider"
import { sleep, splitText, usageOf, type Responder, type ScriptRequest, type Turn } from "./script"

function outputText(output: LanguageModelV4ToolResultOutput): string {
  switch (output.type) {
    case "text":
    case "error-text":
      return output.value
    case "json":
    case "error-json":
      return JSON.stringify(output.value)
    case "execution-denied":
      return output.reason ?? "execution denied"
    default:
      return JSON.stringify(output)
  }
}

/** The AI SDK prompt as the provider-neutral request a responder reads. */
export function toScriptRequest(prompt: LanguageModelV4Prompt, tools: string[], signal?: AbortSignal): ScriptRequest {
  const system: string[] = []
  const messages: ScriptRequest["messages"] = []
  for (const message of prompt) {
    if (message.role === "system") {
      system.push(message.content)
      continue
    }
    if (message.role === "user") {
      messages.push({
        role: "user",
        text: message.content.flatMap((p) => (p.type === "text" ? [p.text] : [])).join("\n"),
      })
      continue
    }
    if (message.role === "assistant") {
      const toolCalls = message.content.flatMap((p) =>
        p.type === "tool-call" ? [{ id: p.toolCallId, name: p.toolName, input: p.input }] : [],
      )
      messages.push({
        role: "assistant",
        text: message.content.flatMap((p) => (p.type === "text" ? [p.text] : [])).join(""),
        ...(toolCalls.length ? { toolCalls } : {}),
      })
      continue
    }
    const toolResults = message.content.flatMap((p) =>
      p.type === "tool-result" ? [{ id: p.toolCallId, name: p.toolName, output: outputText(p.output) }] : [],
    )
    messages.push({ role: "tool", text: "", toolResults })
  }
  return { system: system.join("\n\n"), messages, tools, signal }
}

let callCounter = 0

/** The stream parts of a turn, in the order a real provider sends them. */
async function* turnParts(
  turn: Turn,
  request: ScriptRequest,
  signal?: AbortSignal,
): AsyncGenerator<LanguageModelV4StreamPart> {
  yield { type: "stream-start", warnings: [] }
  yield { type: "response-metadata", id: `resp_${++callCounter}`, modelId: "scripted", timestamp: new Date(0) }
  if (turn.error) {
    yield { type: "error", error: Object.assign(new Error(turn.error), { name: "ScriptedError" }) }
    return
  }
  const delay = turn.chunkDelayMs ?? 0
  if (turn.reasoning) {
    yield { type: "reasoning-start", id: "r0" }
    for (const piece of splitText(turn.reasoning)) {
      await sleep(delay, signal)
      yield { type: "reasoning-delta", id: "r0", delta: piece }
    }
    yield { type: "reasoning-end", id: "r0" }
  }
  for (const [index, text] of [turn.text, ...(turn.texts ?? [])].entries()) {
    if (!text) continue
    const id = `t${index}`
    yield { type: "text-start", id }
    for (const piece of splitText(text, turn.chunks)) {
      await sleep(delay, signal)
      if (signal?.aborted) return
      yield { type: "text-delta", id, delta: piece }
    }
    yield { type: "text-end", id }
  }
  const calls = turn.toolCalls ?? []
  for (const [index, call] of calls.entries()) {
    if (index) await sleep(delay, signal)
    const id = call.id ?? `call_${++callCounter}`
    const input = JSON.stringify(call.input)
    yield { type: "tool-input-start", id, toolName: call.name }
    yield { type: "tool-input-delta", id, delta: input }
    yield { type: "tool-input-end", id }
    yield { type: "tool-call", toolCallId: id, toolName: call.name, input }
  }
  const usage = usageOf(turn, request)
  yield {
    type: "finish",
    finishReason: turn.finish
      ? { unified: turn.finish, raw: turn.finish }
      : { unified: calls.length ? "tool-calls" : "stop", raw: calls.length ? "tool_calls" : "stop" },
    usage: {
      inputTokens: { total: usage.input, noCache: usage.input, cacheRead: 0, cacheWrite: 0 },
      outputTokens: { total: usage.output, text: usage.output, reasoning: 0 },
    },
  }
}

export type ScriptedModel = LanguageModelV4 & { calls: ScriptRequest[] }

/**
 * A LanguageModelV4 whose answers come from a responder: the unit-test tier of fake model.
 * Every call is recorded in `calls` as the responder saw it.
 */
export function scriptedModel(
  responder: Responder,
  options: {
    provider?: string
    modelId?: string
    /** Keep every call in `calls` (default true; off for soaks). */ record?: boolean
  } = {},
): ScriptedModel {
  const calls: ScriptRequest[] = []
  const stream = async (call: LanguageModelV4CallOptions) => {
    const tools = (call.tools ?? []).map((tool) => tool.name)
    const request = toScriptRequest(call.prompt, tools, call.abortSignal)
    if (options.record !== false) calls.push(request)
    const turn = await responder(request)
    const parts = turnParts(turn, request, call.abortSignal)
    const signal = call.abortSignal
    return new ReadableStream<LanguageModelV4StreamPart>({
      async pull(controller) {
        if (signal?.aborted) {
          controller.error(signal.reason ?? new DOMException("The operation was aborted.", "AbortError"))
          return
        }
        const next = await parts.next()
        if (signal?.aborted) {
          controller.error(signal.reason ?? new DOMException("The operation was aborted.", "AbortError"))
          return
        }
        if (next.done) controller.close()
        else controller.enqueue(next.value)
      },
    })
  }
  return {
    specificationVersion: "v4",
    provider: options.provider ?? "scripted",
    modelId: options.modelId ?? "scripted",
    supportedUrls: {},
    calls,
    async doStream(call) {
      return { stream: await stream(call) }
    },
    async doGenerate(call) {
      const reader = (await stream(call)).getReader()
      let text = ""
      const content: Awaited<ReturnType<LanguageModelV4["doGenerate"]>>["content"] = []
      let finish: Extract<LanguageModelV4StreamPart, { type: "finish" }> | undefined
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        if (value.type === "text-delta") text += value.delta
        if (value.type === "tool-call") content.push(value)
        if (value.type === "error") throw value.error
        if (value.type === "finish") finish = value
      }
      if (text) content.unshift({ type: "text", text })
      return {
        content,
        finishReason: finish?.finishReason ?? { unified: "stop", raw: "stop" },
        usage: finish?.usage ?? {
          inputTokens: { total: 0, noCache: 0, cacheRead: 0, cacheWrite: 0 },
          outputTokens: { total: 0, text: 0, reasoning: 0 },
        },
        warnings: [],
      }
    },
  }
}
