import { createPromptCache, type CacheUsage, type PromptCacheOptions } from "./anthropic-cache"
import { messagesViolation, type IssuedThinking } from "./anthropic-rules"
import { fromMessagesRequest, MessagesRequest, thinkingOn } from "./anthropic-wire"
import { eventStreamResponse, type EventWriter } from "./event-stream"
import { sleep, splitText, usageOf, type Responder, type ScriptRequest, type Turn } from "./script"

/** Usage as the Messages API reports it. */
export type AnthropicUsage = CacheUsage & { output_tokens: number }

/** One POST /v1/messages the server received, in arrival order. */
export type AnthropicExchange = {
  /** The request body as parsed JSON; undefined when it was not JSON. */
  body: unknown
  /** The HTTP status answered. */
  status: number
  /** Whether the request obeyed the API's rules and went to the responder (which may still script a fault). */
  accepted: boolean
  /** The error message answered, for a rejected request or a scripted failure. */
  error?: string
  /** The request as the responder saw it (accepted requests). */
  request?: ScriptRequest
  /** The usage reported (requests answered with a message). */
  usage?: AnthropicUsage
}

export type ScriptedAnthropicOptions = {
  responder: Responder
  port?: number
  hostname?: string
  /** Tuning of the prompt cache simulation. */
  cache?: PromptCacheOptions
  /** Thinking streamed when the request has thinking on and a turn scripts no `reasoning`; real models always think. */
  defaultThinking?: string
}

export type ScriptedAnthropic = {
  /** Base URL ending in `/v1`, for the adapter's `baseURL`. */
  url: string
  port: number
  /** Every accepted request, as the responder saw it. */
  calls: ScriptRequest[]
  /** Every request received, accepted or not, with what was answered. */
  requests: AnthropicExchange[]
  stop(): Promise<void>
}

const ERROR_TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  500: "api_error",
  529: "overloaded_error",
}

/** An error body in the Messages API's shape. */
export function anthropicErrorBody(status: number, message: string) {
  return { type: "error", error: { type: ERROR_TYPES[status] ?? "api_error", message } }
}

type OutputBlock =
  | { type: "thinking"; thinking: string; signature: string }
  | { type: "redacted_thinking"; data: string }
  | { type: "text"; text: string }
  | { type: "tool_use"; id: string; name: string; input: Record<string, unknown> }

let counter = 0

function opaque(kind: string, text: string) {
  return Buffer.from(`tandem-scripted-${kind}:${++counter}:${Bun.hash(text).toString(16)}`).toString("base64")
}

/**
 * The content blocks a turn answers with. With thinking on, a model always thinks: redacted first when scripted,
 * then the turn's `reasoning` or `fallback`. New signatures and redacted data are recorded as issued.
 */
function outputBlocks(turn: Turn, thinks: boolean, fallback: string, issued: IssuedThinking): OutputBlock[] {
  const blocks: OutputBlock[] = []
  if (thinks && turn.redactedThinking) {
    const data = opaque("redacted", turn.reasoning ?? "")
    issued.redacted.add(data)
    blocks.push({ type: "redacted_thinking", data })
  }
  const thinking = turn.reasoning || (turn.redactedThinking ? undefined : fallback)
  if (thinks && thinking) {
    const signature = opaque("signature", thinking)
    issued.signed.set(signature, thinking)
    blocks.push({ type: "thinking", thinking, signature })
  }
  if (turn.text) blocks.push({ type: "text", text: turn.text })
  for (const call of turn.toolCalls ?? [])
    blocks.push({ type: "tool_use", id: call.id ?? `toolu_scripted_${++counter}`, name: call.name, input: call.input })
  return blocks
}

async function streamBlocks(out: EventWriter, blocks: OutputBlock[], turn: Turn, signal: AbortSignal) {
  const delay = turn.chunkDelayMs ?? 0
  const delta = (index: number, value: Record<string, unknown>) =>
    out.send("content_block_delta", { type: "content_block_delta", index, delta: value })
  for (const [index, block] of blocks.entries()) {
    const start = (content: Record<string, unknown>) =>
      out.send("content_block_start", { type: "content_block_start", index, content_block: content })
    if (block.type === "redacted_thinking") start(block)
    if (block.type === "thinking") {
      start({ type: "thinking", thinking: "", signature: "" })
      for (const piece of splitText(block.thinking)) {
        await sleep(delay, signal)
        delta(index, { type: "thinking_delta", thinking: piece })
      }
      delta(index, { type: "signature_delta", signature: block.signature })
    }
    if (block.type === "text") {
      start({ type: "text", text: "" })
      const pieces = splitText(block.text, turn.chunks)
      for (const [i, piece] of pieces.entries()) {
        await sleep(delay, signal)
        if (signal.aborted) return "ended"
        delta(index, { type: "text_delta", text: piece })
        if (turn.fault && "truncate" in turn.fault && i >= pieces.length / 2) return "ended"
      }
    }
    if (block.type === "tool_use") {
      await sleep(delay, signal)
      start({ type: "tool_use", id: block.id, name: block.name, input: {} })
      const json = JSON.stringify(block.input)
      const half = Math.ceil(json.length / 2)
      for (const piece of [json.slice(0, half), json.slice(half)])
        delta(index, { type: "input_json_delta", partial_json: piece })
    }
    out.send("content_block_stop", { type: "content_block_stop", index })
  }
}

function usageFor(turn: Turn, request: ScriptRequest, simulated: CacheUsage): AnthropicUsage {
  const output = usageOf(turn, request).output
  if (!turn.usage) return { ...simulated, output_tokens: output }
  const read = turn.usage.cacheRead ?? 0
  const written = turn.usage.cacheWrite ?? 0
  return {
    input_tokens: turn.usage.input - read - written,
    cache_read_input_tokens: read,
    cache_creation_input_tokens: written,
    output_tokens: turn.usage.output,
  }
}

/** The failure a turn scripts instead of a message, if any. */
function failureOf(turn: Turn) {
  if (turn.error)
    return {
      status: 500,
      message: turn.error,
      response: Response.json(anthropicErrorBody(500, turn.error), { status: 500 }),
    }
  if (!turn.fault || !("status" in turn.fault)) return
  const status = turn.fault.status
  const message = `scripted fault ${status}`
  const headers: Record<string, string> = { "content-type": "application/json" }
  if (turn.fault.retryAfter !== undefined) headers["retry-after"] = String(turn.fault.retryAfter)
  const body = turn.fault.body ?? JSON.stringify(anthropicErrorBody(status, message))
  return { status, message, response: new Response(body, { status, headers }) }
}

/**
 * A scripted server speaking Anthropic's Messages API (POST /v1/messages, streamed or not), answers from a
 * responder. It rejects requests that break the API's documented rules (see anthropic-rules.ts) with the API's
 * 400 error, signs the thinking it streams and accepts only its own signatures back, and simulates the prompt
 * cache (see anthropic-cache.ts) to report cache reads and writes. Loopback only.
 */
export function startScriptedAnthropic(options: ScriptedAnthropicOptions): ScriptedAnthropic {
  const calls: ScriptRequest[] = []
  const requests: AnthropicExchange[] = []
  const issued: IssuedThinking = { signed: new Map(), redacted: new Set() }
  const cache = createPromptCache(options.cache)
  const reject = (exchange: AnthropicExchange, status: number, message: string) => {
    requests.push({ ...exchange, status, accepted: false, error: message })
    return Response.json(anthropicErrorBody(status, message), { status })
  }

  async function messages(req: Request) {
    let raw: unknown
    try {
      raw = await req.json()
    } catch {
      return reject(
        { body: undefined, status: 400, accepted: false },
        400,
        "There was an error parsing the body: not JSON",
      )
    }
    const exchange: AnthropicExchange = { body: raw, status: 200, accepted: false }
    if (!req.headers.get("x-api-key") && !req.headers.get("authorization"))
      return reject(exchange, 401, "x-api-key header is required")
    if (!req.headers.get("anthropic-version")) return reject(exchange, 400, "anthropic-version: header is required")
    const parsed = MessagesRequest.safeParse(raw)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!
      return reject(exchange, 400, `${issue.path.join(".")}: ${issue.message}`)
    }
    const body = parsed.data
    const betas = (req.headers.get("anthropic-beta") ?? "").split(",").map((beta) => beta.trim())
    const violation = messagesViolation(body, { issued, betas })
    if (violation) return reject(exchange, 400, violation)

    const request = fromMessagesRequest(body, req.signal)
    calls.push(request)
    const turn = await options.responder(request)
    const failure = failureOf(turn)
    if (failure) {
      requests.push({ ...exchange, accepted: true, request, status: failure.status, error: failure.message })
      return failure.response
    }
    const usage = usageFor(turn, request, cache.account(body))
    requests.push({ ...exchange, accepted: true, request, usage })
    const blocks = outputBlocks(turn, thinkingOn(body), options.defaultThinking ?? "Thinking it over.", issued)
    const id = `msg_scripted_${++counter}`
    const stopReason = turn.toolCalls?.length ? "tool_use" : "end_turn"
    const message = { id, type: "message", role: "assistant", model: body.model, stop_sequence: null }
    if (!body.stream) return Response.json({ ...message, content: blocks, stop_reason: stopReason, usage })

    return eventStreamResponse(async (out) => {
      out.send("message_start", {
        type: "message_start",
        message: { ...message, content: [], stop_reason: null, usage: { ...usage, output_tokens: 1 } },
      })
      if (turn.fault && "reset" in turn.fault) return "reset"
      if (turn.fault && "malformed" in turn.fault)
        return out.raw("event: content_block_delta\ndata: {this is not json\n\n")
      out.send("ping", { type: "ping" })
      if ((await streamBlocks(out, blocks, turn, req.signal)) === "ended") return
      out.send("message_delta", {
        type: "message_delta",
        delta: { stop_reason: stopReason, stop_sequence: null },
        usage,
      })
      out.send("message_stop", { type: "message_stop" })
    })
  }

  const server = Bun.serve({
    port: options.port ?? 0,
    hostname: options.hostname ?? "127.0.0.1",
    idleTimeout: 0,
    fetch(req) {
      const url = new URL(req.url)
      if (req.method === "POST" && url.pathname === "/v1/messages") return messages(req)
      return Response.json(anthropicErrorBody(404, `no route ${req.method} ${url.pathname}`), { status: 404 })
    },
  })
  return {
    url: `http://127.0.0.1:${server.port}/v1`,
    port: server.port!,
    calls,
    requests,
    async stop() {
      await server.stop(true)
    },
  }
}
