import { z } from "zod"
import type { ScriptRequest } from "./script"

// The part of OpenAI's Responses API request that the scripted server reads. Objects are loose: fields it does
// not read (temperature, metadata, text format…) pass unchecked, as they would to a real server that accepts them.

const ContentPart = z.looseObject({ type: z.string(), text: z.string().optional() })
const Content = z.union([z.string(), z.array(ContentPart)])

export const MessageItem = z.looseObject({
  type: z.literal("message"),
  role: z.enum(["user", "assistant", "system", "developer"]),
  content: Content,
  id: z.string().optional(),
})
export const FunctionCallItem = z.looseObject({
  type: z.literal("function_call"),
  call_id: z.string(),
  name: z.string(),
  arguments: z.string(),
  id: z.string().optional(),
})
export const FunctionCallOutputItem = z.looseObject({
  type: z.literal("function_call_output"),
  call_id: z.string(),
  output: Content,
  id: z.string().optional(),
})
export const ReasoningItem = z.looseObject({
  type: z.literal("reasoning"),
  id: z.string().optional(),
  summary: z.array(z.looseObject({ type: z.literal("summary_text"), text: z.string() })),
  encrypted_content: z.string().nullish(),
})
export const ItemReference = z.looseObject({ type: z.literal("item_reference"), id: z.string() })

/** An input item; a message may leave out its `type`, as the API allows. */
export const InputItem = z.preprocess(
  (item) =>
    typeof item === "object" && item !== null && !("type" in item) && "role" in item
      ? { ...item, type: "message" }
      : item,
  z.discriminatedUnion("type", [MessageItem, FunctionCallItem, FunctionCallOutputItem, ReasoningItem, ItemReference]),
)
export type InputItem = z.infer<typeof InputItem>

export const ResponsesRequest = z.looseObject({
  model: z.string(),
  /** A string input is one user message. */
  input: z.preprocess(
    (input) => (typeof input === "string" ? [{ type: "message", role: "user", content: input }] : input),
    z.array(InputItem),
  ),
  instructions: z.string().nullish(),
  tools: z.array(z.looseObject({ type: z.string(), name: z.string().optional() })).nullish(),
  stream: z.boolean().nullish(),
  store: z.boolean().nullish(),
  include: z.array(z.string()).nullish(),
  reasoning: z.looseObject({ effort: z.string().nullish(), summary: z.string().nullish() }).nullish(),
  previous_response_id: z.string().nullish(),
})
export type ResponsesRequest = z.infer<typeof ResponsesRequest>

/**
 * An input item with references replaced by the items they name; `id` is the item's id however it was sent
 * (always known for reasoning, which the server issued).
 */
export type ResolvedItem = { item: Exclude<InputItem, { type: "item_reference" }>; id?: string }

/** The text of message content or of a tool output. */
export function contentText(content: z.infer<typeof Content>) {
  if (typeof content === "string") return content
  return content.map((part) => part.text ?? "").join("")
}

/** Whether the request asks a reasoning model to reason (effort `none` turns it off). */
export function reasoningOn(body: ResponsesRequest) {
  return !!body.reasoning && body.reasoning.effort !== "none"
}

/**
 * The Responses request as the provider-neutral request a responder reads. Consecutive output items (reasoning,
 * assistant messages, function calls) make one assistant message, as they came from one model turn.
 */
export function fromResponsesInput(body: ResponsesRequest, items: ResolvedItem[], signal?: AbortSignal): ScriptRequest {
  const system = body.instructions ? [body.instructions] : []
  const messages: ScriptRequest["messages"] = []
  const names = new Map<string, string>()
  const turn = () => {
    const last = messages.at(-1)
    if (last?.role === "assistant") return last
    const next: ScriptRequest["messages"][number] = { role: "assistant", text: "" }
    messages.push(next)
    return next
  }
  for (const { item } of items) {
    if (item.type === "message" && (item.role === "system" || item.role === "developer")) {
      system.push(contentText(item.content))
      continue
    }
    if (item.type === "message" && item.role === "user") {
      messages.push({ role: "user", text: contentText(item.content) })
      continue
    }
    if (item.type === "function_call_output") {
      const result = { id: item.call_id, name: names.get(item.call_id) ?? "", output: contentText(item.output) }
      const last = messages.at(-1)
      if (last?.role === "tool") last.toolResults!.push(result)
      else messages.push({ role: "tool", text: "", toolResults: [result] })
      continue
    }
    const assistant = turn()
    if (item.type === "message") assistant.text += contentText(item.content)
    if (item.type === "reasoning") {
      const summary = item.summary.map((part) => part.text).join("\n")
      if (summary) assistant.reasoning = assistant.reasoning ? `${assistant.reasoning}\n${summary}` : summary
    }
    if (item.type === "function_call") {
      names.set(item.call_id, item.name)
      let input: unknown = item.arguments
      try {
        input = JSON.parse(item.arguments)
      } catch {}
      assistant.toolCalls = [...(assistant.toolCalls ?? []), { id: item.call_id, name: item.name, input }]
    }
  }
  const tools = (body.tools ?? []).flatMap((tool) => (tool.name ? [tool.name] : []))
  const effort = body.reasoning?.effort
  return {
    system: system.join("\n\n"),
    messages,
    tools,
    ...(reasoningOn(body) ? { reasoning: effort ? { effort } : {} } : {}),
    signal,
  }
}
