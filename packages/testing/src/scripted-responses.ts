import { eventStreamResponse } from "./event-stream"
import { createPrefixCache, type PrefixCacheOptions } from "./prefix-cache"
import { issuedItems, resolveInput, type IssuedItems, type OutputItem } from "./responses-rules"
import { contentText, fromResponsesInput, reasoningOn, ResponsesRequest, type ResolvedItem } from "./responses-wire"
import { countTokens, sleep, splitText, usageOf, type Responder, type ScriptRequest, type Turn } from "./script"

/** Usage as the Responses API reports it: `input_tokens` counts the cached ones too. */
export type ResponsesUsage = {
  input_tokens: number
  input_tokens_details: { cached_tokens: number }
  output_tokens: number
  output_tokens_details: { reasoning_tokens: number }
  total_tokens: number
}

/** One POST /v1/responses the server received, in arrival order. */
export type ResponsesExchange = {
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
  /** The usage reported (requests answered with a response). */
  usage?: ResponsesUsage
}

export type ScriptedResponsesOptions = {
  responder: Responder
  port?: number
  hostname?: string
  /** Tuning of the prefix cache simulation. */
  cache?: PrefixCacheOptions
}

export type ScriptedResponses = {
  /** Base URL ending in `/v1`, for the adapter's `baseURL`. */
  url: string
  port: number
  /** Every accepted request, as the responder saw it. */
  calls: ScriptRequest[]
  /** Every request received, accepted or not, with what was answered. */
  requests: ResponsesExchange[]
  stop(): Promise<void>
}

/** An error body in the OpenAI API's shape. */
export function openaiErrorBody(status: number, message: string, param: string | null = null) {
  const type = status >= 500 ? "server_error" : status === 429 ? "rate_limit_exceeded" : "invalid_request_error"
  return { error: { message, type, param, code: null } }
}

let counter = 0

function opaque(text: string) {
  return Buffer.from(`tandem-scripted-reasoning:${++counter}:${Bun.hash(text).toString(16)}`).toString("base64")
}

/**
 * The output items a turn answers with: reasoning first (when the request asks for it or the turn scripts it),
 * then the message, then the function calls. Each is recorded as issued, and kept when the response is stored.
 */
function outputItems(turn: Turn, reasons: boolean, store: boolean, issued: IssuedItems): OutputItem[] {
  const items: OutputItem[] = []
  if (reasons || turn.reasoning) {
    const summary = turn.reasoning ? [{ type: "summary_text" as const, text: turn.reasoning }] : []
    items.push({ type: "reasoning", id: `rs_scripted_${++counter}`, summary })
  }
  if (turn.text) {
    const content = [{ type: "output_text" as const, text: turn.text, annotations: [] as [] }]
    items.push({ type: "message", id: `msg_scripted_${++counter}`, role: "assistant", status: "completed", content })
  }
  for (const call of turn.toolCalls ?? [])
    items.push({
      type: "function_call",
      id: `fc_scripted_${++counter}`,
      call_id: call.id ?? `call_scripted_${++counter}`,
      name: call.name,
      arguments: JSON.stringify(call.input),
      status: "completed",
    })
  const [first, next] = items
  if (first?.type === "reasoning") {
    const encrypted = opaque(JSON.stringify(first))
    issued.reasoning.set(first.id, { encrypted, next })
    issued.encrypted.set(encrypted, first.id)
    if (next) issued.reasonedBy.set(next.id, first.id)
  }
  if (store) for (const item of items) issued.stored.set(item.id, item)
  return items
}

/** The item as sent to the client: reasoning carries its encrypted content only when the request includes it. */
function emitted(item: OutputItem, issued: IssuedItems, encrypted: boolean): OutputItem {
  if (item.type !== "reasoning" || !encrypted) return item
  return { ...item, encrypted_content: issued.reasoning.get(item.id)!.encrypted }
}

/** The prompt as one text, the same however its items were sent (inline or by reference), for the prefix cache. */
function promptText(body: ResponsesRequest, items: ResolvedItem[]) {
  const lines = [JSON.stringify([body.model, body.instructions ?? "", body.tools ?? []])]
  for (const { item, id } of items) {
    if (item.type === "message") lines.push(JSON.stringify([item.role, contentText(item.content)]))
    if (item.type === "function_call") lines.push(JSON.stringify(["call", item.call_id, item.name, item.arguments]))
    if (item.type === "function_call_output")
      lines.push(JSON.stringify(["output", item.call_id, contentText(item.output)]))
    if (item.type === "reasoning") lines.push(JSON.stringify(["reasoning", id]))
  }
  return lines.join("\n")
}

/** Sends one Responses event: its type is both the SSE event name and the data's `type`. */
type Send = (type: string, data: Record<string, unknown>) => void

async function streamItems(
  send: Send,
  items: OutputItem[],
  turn: Turn,
  signal: AbortSignal,
  shown: (item: OutputItem) => OutputItem,
) {
  const delay = turn.chunkDelayMs ?? 0
  for (const [output_index, item] of items.entries()) {
    const at = { item_id: item.id, output_index }
    if (item.type === "reasoning") {
      send("response.output_item.added", { output_index, item: { ...shown(item), summary: [] } })
      for (const [summary_index, part] of item.summary.entries()) {
        send("response.reasoning_summary_part.added", {
          ...at,
          summary_index,
          part: { type: "summary_text", text: "" },
        })
        for (const delta of splitText(part.text)) {
          await sleep(delay, signal)
          send("response.reasoning_summary_text.delta", { ...at, summary_index, delta })
        }
        send("response.reasoning_summary_text.done", { ...at, summary_index, text: part.text })
        send("response.reasoning_summary_part.done", { ...at, summary_index, part })
      }
    }
    if (item.type === "message") {
      send("response.output_item.added", { output_index, item: { ...item, status: "in_progress", content: [] } })
      const part = item.content[0]!
      send("response.content_part.added", { ...at, content_index: 0, part: { ...part, text: "" } })
      const pieces = splitText(part.text, turn.chunks)
      for (const [i, delta] of pieces.entries()) {
        await sleep(delay, signal)
        if (signal.aborted) return "ended"
        send("response.output_text.delta", { ...at, content_index: 0, delta, logprobs: [] })
        if (turn.fault && "truncate" in turn.fault && i >= pieces.length / 2) return "ended"
      }
      send("response.output_text.done", { ...at, content_index: 0, text: part.text, logprobs: [] })
      send("response.content_part.done", { ...at, content_index: 0, part })
    }
    if (item.type === "function_call") {
      await sleep(delay, signal)
      send("response.output_item.added", { output_index, item: { ...item, arguments: "", status: "in_progress" } })
      const half = Math.ceil(item.arguments.length / 2)
      for (const delta of [item.arguments.slice(0, half), item.arguments.slice(half)])
        send("response.function_call_arguments.delta", { ...at, delta })
      send("response.function_call_arguments.done", { ...at, arguments: item.arguments })
    }
    send("response.output_item.done", { output_index, item: shown(item) })
  }
}

function failureOf(turn: Turn) {
  if (turn.error)
    return {
      status: 500,
      message: turn.error,
      response: Response.json(openaiErrorBody(500, turn.error), { status: 500 }),
    }
  if (!turn.fault || !("status" in turn.fault)) return
  const status = turn.fault.status
  const message = `scripted fault ${status}`
  const headers: Record<string, string> = { "content-type": "application/json" }
  if (turn.fault.retryAfter !== undefined) headers["retry-after"] = String(turn.fault.retryAfter)
  const body = turn.fault.body ?? JSON.stringify(openaiErrorBody(status, message))
  return { status, message, response: new Response(body, { status, headers }) }
}

/**
 * A scripted server speaking OpenAI's Responses API (POST /v1/responses, streamed or not), answers from a
 * responder. It keeps the items of stored responses for `item_reference`s, issues encrypted reasoning content
 * when the request includes it, rejects input that breaks the API's rules for tool loops and reasoning (see
 * responses-rules.ts) with the API's 400 error, and simulates automatic prefix caching (see prefix-cache.ts).
 * Loopback only.
 */
export function startScriptedResponses(options: ScriptedResponsesOptions): ScriptedResponses {
  const calls: ScriptRequest[] = []
  const requests: ResponsesExchange[] = []
  const issued = issuedItems()
  const cache = createPrefixCache(options.cache)
  const reject = (exchange: ResponsesExchange, status: number, message: string, param: string | null = null) => {
    requests.push({ ...exchange, status, accepted: false, error: message })
    return Response.json(openaiErrorBody(status, message, param), { status })
  }

  async function responses(req: Request) {
    let raw: unknown
    try {
      raw = await req.json()
    } catch {
      return reject({ body: undefined, status: 400, accepted: false }, 400, "The request body is not valid JSON.")
    }
    const exchange: ResponsesExchange = { body: raw, status: 200, accepted: false }
    if (!req.headers.get("authorization")?.startsWith("Bearer "))
      return reject(exchange, 401, "You didn't provide an API key in an Authorization header (Bearer).")
    const parsed = ResponsesRequest.safeParse(raw)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!
      return reject(exchange, 400, `Invalid value at '${issue.path.join(".")}': ${issue.message}`, issue.path.join("."))
    }
    const body = parsed.data
    const resolved = resolveInput(body, issued)
    if (!("items" in resolved)) return reject(exchange, 400, resolved.message, resolved.param)

    const request = fromResponsesInput(body, resolved.items, req.signal)
    calls.push(request)
    const turn = await options.responder(request)
    const failure = failureOf(turn)
    if (failure) {
      requests.push({ ...exchange, accepted: true, request, status: failure.status, error: failure.message })
      return failure.response
    }
    const prompt = cache.account(promptText(body, resolved.items))
    const items = outputItems(turn, reasoningOn(body), body.store !== false, issued)
    const output = usageOf(turn, request).output
    const reasoningTokens = countTokens(turn.reasoning ?? "")
    const input = turn.usage?.input ?? prompt.input
    const usage: ResponsesUsage = {
      input_tokens: input,
      input_tokens_details: { cached_tokens: turn.usage ? (turn.usage.cacheRead ?? 0) : prompt.cached },
      output_tokens: output,
      output_tokens_details: { reasoning_tokens: Math.min(reasoningTokens, output) },
      total_tokens: input + output,
    }
    requests.push({ ...exchange, accepted: true, request, usage })
    const encrypted = body.include?.includes("reasoning.encrypted_content") ?? false
    const shown = (item: OutputItem) => emitted(item, issued, encrypted)
    const id = `resp_scripted_${++counter}`
    const response = (status: string, output: unknown[], usage: ResponsesUsage | null) => ({
      id,
      object: "response",
      created_at: Math.floor(Date.now() / 1000),
      model: body.model,
      status,
      output,
      usage,
      store: body.store !== false,
    })
    if (!body.stream) return Response.json(response("completed", items.map(shown), usage))

    return eventStreamResponse(async (out) => {
      let sequence_number = 0
      const send: Send = (type, data) => out.send(type, { type, sequence_number: sequence_number++, ...data })
      send("response.created", { response: response("in_progress", [], null) })
      if (turn.fault && "reset" in turn.fault) return "reset"
      if (turn.fault && "malformed" in turn.fault)
        return out.raw("event: response.output_text.delta\ndata: {this is not json\n\n")
      send("response.in_progress", { response: response("in_progress", [], null) })
      if ((await streamItems(send, items, turn, req.signal, shown)) === "ended") return
      send("response.completed", { response: response("completed", items.map(shown), usage) })
    })
  }

  const server = Bun.serve({
    port: options.port ?? 0,
    hostname: options.hostname ?? "127.0.0.1",
    idleTimeout: 0,
    fetch(req) {
      const url = new URL(req.url)
      if (req.method === "POST" && url.pathname === "/v1/responses") return responses(req)
      return Response.json(openaiErrorBody(404, `no route ${req.method} ${url.pathname}`), { status: 404 })
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
