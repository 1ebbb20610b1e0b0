import { sleep, splitText, usageOf, type Responder, type ScriptRequest, type Turn } from "./script"

type OpenAIMessage = {
  role: "system" | "developer" | "user" | "assistant" | "tool"
  content?: string | { type: string; text?: string }[] | null
  tool_calls?: { id: string; function: { name: string; arguments: string } }[]
  tool_call_id?: string
  name?: string
}

type ChatRequest = {
  model?: string
  messages?: OpenAIMessage[]
  tools?: { function?: { name?: string } }[]
  stream?: boolean
  stream_options?: { include_usage?: boolean }
}

function text(content: OpenAIMessage["content"]) {
  if (typeof content === "string") return content
  return (content ?? []).map((part) => part.text ?? "").join("")
}

/** The OpenAI chat request as the provider-neutral request a responder reads. */
export function fromChatRequest(body: ChatRequest, signal?: AbortSignal): ScriptRequest {
  const system: string[] = []
  const messages: ScriptRequest["messages"] = []
  const names = new Map<string, string>()
  for (const message of body.messages ?? []) {
    if (message.role === "system" || message.role === "developer") {
      system.push(text(message.content))
      continue
    }
    if (message.role === "tool") {
      const result = {
        id: message.tool_call_id ?? "",
        name: names.get(message.tool_call_id ?? "") ?? "",
        output: text(message.content),
      }
      const last = messages.at(-1)
      if (last?.role === "tool") last.toolResults!.push(result)
      else messages.push({ role: "tool", text: "", toolResults: [result] })
      continue
    }
    const toolCalls = (message.tool_calls ?? []).map((call) => {
      names.set(call.id, call.function.name)
      let input: unknown = call.function.arguments
      try {
        input = JSON.parse(call.function.arguments)
      } catch {}
      return { id: call.id, name: call.function.name, input }
    })
    messages.push({ role: message.role, text: text(message.content), ...(toolCalls.length ? { toolCalls } : {}) })
  }
  const tools = (body.tools ?? []).flatMap((tool) => (tool.function?.name ? [tool.function.name] : []))
  return { system: system.join("\n\n"), messages, tools, signal }
}

let counter = 0

function chunk(id: string, model: string, delta: Record<string, unknown>, finish: string | null = null) {
  return {
    id,
    object: "chat.completion.chunk",
    created: 0,
    model,
    choices: [{ index: 0, delta, finish_reason: finish }],
  }
}

/** The SSE body of a streamed turn in OpenAI's chat.completion.chunk format. */
function streamTurn(turn: Turn, request: ScriptRequest, model: string, includeUsage: boolean, signal: AbortSignal) {
  const id = `chatcmpl-${++counter}`
  const encoder = new TextEncoder()
  const delay = turn.chunkDelayMs ?? 0
  return new ReadableStream<Uint8Array>({
    async start(controller) {
      const send = (data: unknown) => controller.enqueue(encoder.encode(`data: ${JSON.stringify(data)}\n\n`))
      try {
        send(chunk(id, model, { role: "assistant", content: "" }))
        if (turn.fault && "reset" in turn.fault)
          return controller.error(new Error("connection reset by the scripted server"))
        if (turn.fault && "malformed" in turn.fault) {
          controller.enqueue(encoder.encode("data: {this is not json\n\n"))
          return controller.close()
        }
        for (const piece of turn.reasoning ? splitText(turn.reasoning) : []) {
          await sleep(delay, signal)
          send(chunk(id, model, { reasoning_content: piece }))
        }
        const pieces = turn.text ? splitText(turn.text, turn.chunks) : []
        for (const [index, piece] of pieces.entries()) {
          await sleep(delay, signal)
          if (signal.aborted) return controller.close()
          send(chunk(id, model, { content: piece }))
          if (turn.fault && "truncate" in turn.fault && index >= pieces.length / 2) return controller.close()
        }
        const calls = turn.toolCalls ?? []
        for (const [index, call] of calls.entries()) {
          if (index) await sleep(delay, signal)
          send(
            chunk(id, model, {
              tool_calls: [
                {
                  index,
                  id: call.id ?? `call_${++counter}`,
                  type: "function",
                  function: { name: call.name, arguments: JSON.stringify(call.input) },
                },
              ],
            }),
          )
        }
        send(chunk(id, model, {}, turn.finish ?? (calls.length ? "tool_calls" : "stop")))
        if (includeUsage) {
          const usage = usageOf(turn, request)
          send({
            id,
            object: "chat.completion.chunk",
            created: 0,
            model,
            choices: [],
            usage: {
              prompt_tokens: usage.input,
              completion_tokens: usage.output,
              total_tokens: usage.input + usage.output,
            },
          })
        }
        controller.enqueue(encoder.encode("data: [DONE]\n\n"))
        controller.close()
      } catch {
        controller.close()
      }
    },
  })
}

function completion(turn: Turn, request: ScriptRequest, model: string) {
  const usage = usageOf(turn, request)
  const calls = (turn.toolCalls ?? []).map((call) => ({
    id: call.id ?? `call_${++counter}`,
    type: "function",
    function: { name: call.name, arguments: JSON.stringify(call.input) },
  }))
  return {
    id: `chatcmpl-${++counter}`,
    object: "chat.completion",
    created: 0,
    model,
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: turn.text ?? null,
          reasoning_content: turn.reasoning,
          ...(calls.length ? { tool_calls: calls } : {}),
        },
        finish_reason: turn.finish ?? (calls.length ? "tool_calls" : "stop"),
      },
    ],
    usage: { prompt_tokens: usage.input, completion_tokens: usage.output, total_tokens: usage.input + usage.output },
  }
}

export type ScriptedServer = {
  /** Base URL ending in `/v1`, for a provider's `baseURL`. */
  url: string
  port: number
  /** Every chat request received, as the responder saw it. */
  calls: ScriptRequest[]
  stop(): Promise<void>
}

/**
 * An OpenAI-compatible HTTP server whose answers come from a responder: the end-to-end tier
 * of fake model, so the real provider adapter runs. Loopback only.
 */
export function startScriptedServer(input: { responder: Responder; port?: number; hostname?: string }): ScriptedServer {
  const calls: ScriptRequest[] = []
  const server = Bun.serve({
    port: input.port ?? 0,
    hostname: input.hostname ?? "127.0.0.1",
    idleTimeout: 0,
    async fetch(req) {
      const url = new URL(req.url)
      if (req.method === "GET" && url.pathname === "/v1/models")
        return Response.json({ object: "list", data: [{ id: "scripted", object: "model", owned_by: "tandem" }] })
      if (req.method !== "POST" || url.pathname !== "/v1/chat/completions")
        return Response.json({ error: { message: `no route ${req.method} ${url.pathname}` } }, { status: 404 })
      let body: ChatRequest
      try {
        body = (await req.json()) as ChatRequest
      } catch {
        return Response.json({ error: { message: "body is not valid JSON" } }, { status: 400 })
      }
      const request = fromChatRequest(body, req.signal)
      calls.push(request)
      const turn = await input.responder(request)
      const model = body.model ?? "scripted"
      if (turn.fault && "silent" in turn.fault) {
        const { promise, resolve } = Promise.withResolvers<Response>()
        req.signal.addEventListener("abort", () => resolve(new Response(null, { status: 499 })), { once: true })
        return promise
      }
      if (turn.fault && "status" in turn.fault) {
        const headers: Record<string, string> = {}
        if (turn.fault.retryAfter !== undefined) headers["retry-after"] = String(turn.fault.retryAfter)
        return new Response(
          turn.fault.body ?? JSON.stringify({ error: { message: `scripted fault ${turn.fault.status}` } }),
          {
            status: turn.fault.status,
            headers: { "content-type": "application/json", ...headers },
          },
        )
      }
      if (turn.error) return Response.json({ error: { message: turn.error, type: "server_error" } }, { status: 500 })
      if (!body.stream) return Response.json(completion(turn, request, model))
      return new Response(streamTurn(turn, request, model, body.stream_options?.include_usage ?? false, req.signal), {
        headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
      })
    },
  })
  return {
    url: `http://127.0.0.1:${server.port}/v1`,
    port: server.port!,
    calls,
    async stop() {
      await server.stop(true)
    },
  }
}
