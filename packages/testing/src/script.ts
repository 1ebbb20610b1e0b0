import { z } from "zod"

/** One tool call a scripted turn makes. */
export const ScriptedToolCall = z.object({
  name: z.string(),
  input: z.record(z.string(), z.unknown()),
  id: z.string().optional(),
})

/** A fault the scripted HTTP server injects instead of answering normally. */
export const Fault = z.union([
  /** Answer with this HTTP status (and `retry-after` seconds) instead of a completion. */
  z.object({ status: z.number().int(), retryAfter: z.number().optional(), body: z.string().optional() }),
  /** Stream part of the text, then end the stream without a finish or [DONE]. */
  z.object({ truncate: z.literal(true) }),
  /** Start streaming, then break the connection. */
  z.object({ reset: z.literal(true) }),
  /** Send an event whose data is not JSON. */
  z.object({ malformed: z.literal(true) }),
  /** Accept the request and never answer: no headers, no body, until the client gives up. */
  z.object({ silent: z.literal(true) }),
])

/** What the scripted model answers for one call. */
export const Turn = z.object({
  reasoning: z.string().optional(),
  /**
   * Wire servers with thinking (Anthropic Messages): the turn also thinks in a `redacted_thinking` block, sent
   * before the thinking of `reasoning`, whose opaque data the client must return unmodified.
   */
  redactedThinking: z.boolean().optional(),
  text: z.string().optional(),
  /**
   * More text blocks after `text`, each streamed as its own text part of the same answer (a model
   * that writes, then writes again). Only the scripted LanguageModel sends them.
   */
  texts: z.array(z.string()).optional(),
  toolCalls: z.array(ScriptedToolCall).optional(),
  /** Pieces to stream the text in; default: split at whitespace, keeping it. */
  chunks: z.number().int().positive().optional(),
  /** Delay between streamed pieces (text, reasoning, tool calls), to make a call last a known time. */
  chunkDelayMs: z.number().nonnegative().optional(),
  /** The call fails with this message. */
  error: z.string().optional(),
  /**
   * Usage to report instead of the counted one. `input` is every input token of the call; wire servers that
   * simulate a prompt cache report `cacheRead` and `cacheWrite` (default 0) as parts of it instead of simulating.
   */
  usage: z
    .object({
      input: z.number(),
      output: z.number(),
      cacheRead: z.number().optional(),
      cacheWrite: z.number().optional(),
    })
    .optional(),
  fault: Fault.optional(),
  /** End the answer with this finish reason instead of stop / tool calls (`length`: the output limit). */
  finish: z.literal("length").optional(),
})
export type Turn = z.infer<typeof Turn>

/** A provider-neutral view of one model call, as the responder sees it. */
export type ScriptRequest = {
  system: string
  messages: {
    role: "user" | "assistant" | "tool"
    text: string
    toolCalls?: { id: string; name: string; input: unknown }[]
    toolResults?: { id: string; name: string; output: string }[]
    /** Reasoning the client sent back with an assistant message (thinking text or reasoning summaries). */
    reasoning?: string
  }[]
  tools: string[]
  /** Present when the call asks the model to think: Anthropic `thinking`, OpenAI Responses `reasoning`. */
  reasoning?: { budgetTokens?: number; effort?: string }
  signal?: AbortSignal
}

/** Decides a turn for a call. */
export type Responder = (request: ScriptRequest) => Turn | Promise<Turn>

/** Text of the last user message. */
export function lastUser(request: ScriptRequest) {
  return request.messages.findLast((message) => message.role === "user")?.text ?? ""
}

/** Tool results the model is answering to (the trailing tool message), if any. */
export function lastToolResults(request: ScriptRequest) {
  const last = request.messages.at(-1)
  return last?.role === "tool" ? (last.toolResults ?? []) : []
}

/**
 * How many finished background tasks the request's last tool results deliver: a delivery sends every task's
 * `<task id="…" state="…">` text in one result.
 */
export function deliveredTasks(request: ScriptRequest) {
  return lastToolResults(request).flatMap((r) => r.output.match(/<task id="[^"]+" state="(?!running|queued)/g) ?? [])
    .length
}

/** Answers calls in order; a call past the end fails loudly with how many turns were scripted. */
export function queue(turns: (Turn | Responder)[]): Responder {
  let index = 0
  return (request) => {
    const next = turns[index++]
    if (next === undefined)
      return { error: `script exhausted: ${turns.length} turns were scripted, call ${index} came` }
    return typeof next === "function" ? next(request) : next
  }
}

/** A gate a responder awaits until the test opens it: ordering without sleeps. */
export function gate() {
  const { promise, resolve } = Promise.withResolvers<void>()
  let open = false
  return {
    promise,
    get open() {
      return open
    },
    release() {
      open = true
      resolve()
    },
  }
}

/** Splits text for streaming: `chunks` equal pieces, or at whitespace keeping it. */
export function splitText(text: string, chunks?: number) {
  if (chunks) {
    const size = Math.ceil(text.length / chunks)
    return Array.from({ length: Math.ceil(text.length / size) }, (_, i) => text.slice(i * size, (i + 1) * size))
  }
  return text.match(/\S+\s*|\s+/g) ?? []
}

/** Tokens of a text, deterministically: four characters a token, rounded up. */
export function countTokens(text: string) {
  return Math.ceil(text.length / 4)
}

/** Usage of a turn: scripted, or about four characters per token. */
export function usageOf(turn: Turn, request: ScriptRequest) {
  if (turn.usage) return turn.usage
  const sent =
    request.system.length +
    request.messages.reduce((n, m) => n + m.text.length + JSON.stringify(m.toolResults ?? []).length, 0)
  const answered =
    [turn.text ?? "", ...(turn.texts ?? [])].join("").length +
    (turn.reasoning ?? "").length +
    JSON.stringify(turn.toolCalls ?? []).length
  return { input: Math.ceil(sent / 4), output: Math.ceil(answered / 4) }
}

export function sleep(ms: number, signal?: AbortSignal) {
  return new Promise<void>((resolve) => {
    if (!ms) return resolve()
    const timer = setTimeout(resolve, ms)
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer)
        resolve()
      },
      { once: true },
    )
  })
}

/**
 * A parent that sends one background child off (`description`) and answers "ok" to its receipt;
 * the child answers "child done" only once `held` opens.
 */
export function oneHeldChild(held: { promise: Promise<void> }, description: string): Responder {
  return async (request) => {
    if (lastUser(request) === "CHILD") {
      await held.promise
      return { text: "child done" }
    }
    if (lastToolResults(request).length) return { text: "ok" }
    const input = { description, prompt: "CHILD", subagent_type: "general", background: true }
    return { toolCalls: [{ name: "task", input }] }
  }
}
