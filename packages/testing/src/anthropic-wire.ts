import { z } from "zod"
import type { ScriptRequest } from "./script"

// The part of Anthropic's Messages API request that the scripted server reads. Objects are loose: fields it does
// not read (temperature, metadata, citations…) pass unchecked, as they would to a real server that accepts them.

const CacheControl = z.looseObject({ type: z.literal("ephemeral"), ttl: z.string().optional() })
const cacheable = { cache_control: CacheControl.optional() }

export const TextBlock = z.looseObject({ type: z.literal("text"), text: z.string(), ...cacheable })

export const ContentBlock = z.discriminatedUnion("type", [
  TextBlock,
  z.looseObject({ type: z.literal("image"), source: z.unknown(), ...cacheable }),
  z.looseObject({ type: z.literal("document"), source: z.unknown(), ...cacheable }),
  z.looseObject({ type: z.literal("thinking"), thinking: z.string(), signature: z.string(), ...cacheable }),
  z.looseObject({ type: z.literal("redacted_thinking"), data: z.string(), ...cacheable }),
  z.looseObject({
    type: z.literal("tool_use"),
    id: z.string(),
    name: z.string(),
    input: z.record(z.string(), z.unknown()),
    ...cacheable,
  }),
  z.looseObject({
    type: z.literal("tool_result"),
    tool_use_id: z.string(),
    content: z
      .union([z.string(), z.array(z.looseObject({ type: z.string(), text: z.string().optional() }))])
      .optional(),
    is_error: z.boolean().optional(),
    ...cacheable,
  }),
])
export type ContentBlock = z.infer<typeof ContentBlock>

export const Message = z.object({
  role: z.enum(["user", "assistant"]),
  content: z.union([z.string(), z.array(ContentBlock)]),
})
export type Message = z.infer<typeof Message>

export const Thinking = z.discriminatedUnion("type", [
  z.looseObject({ type: z.literal("enabled"), budget_tokens: z.number().int() }),
  z.looseObject({ type: z.literal("adaptive") }),
  z.looseObject({ type: z.literal("disabled") }),
])

export const MessagesRequest = z.looseObject({
  model: z.string(),
  max_tokens: z.number().int().positive(),
  messages: z.array(Message).min(1),
  system: z.union([z.string(), z.array(TextBlock)]).optional(),
  tools: z.array(z.looseObject({ name: z.string(), ...cacheable })).optional(),
  tool_choice: z.unknown().optional(),
  thinking: Thinking.optional(),
  stream: z.boolean().optional(),
  /** Automatic caching: one breakpoint on the last cacheable block. */
  cache_control: CacheControl.optional(),
})
export type MessagesRequest = z.infer<typeof MessagesRequest>

/** A message's content as blocks: a string is one text block. */
export function blocksOf(content: Message["content"]): ContentBlock[] {
  return typeof content === "string" ? [{ type: "text", text: content }] : content
}

/** Whether the request asks the model to think (and so must carry thinking blocks back in tool loops). */
export function thinkingOn(body: MessagesRequest) {
  return body.thinking?.type === "enabled" || body.thinking?.type === "adaptive"
}

function resultText(content: Extract<ContentBlock, { type: "tool_result" }>["content"]) {
  if (typeof content === "string") return content
  return (content ?? []).map((part) => part.text ?? "").join("")
}

/** The Messages request as the provider-neutral request a responder reads. */
export function fromMessagesRequest(body: MessagesRequest, signal?: AbortSignal): ScriptRequest {
  const system = typeof body.system === "string" ? body.system : (body.system ?? []).map((b) => b.text).join("\n\n")
  const names = new Map<string, string>()
  const messages: ScriptRequest["messages"] = []
  for (const message of body.messages) {
    const blocks = blocksOf(message.content)
    const text = blocks.flatMap((b) => (b.type === "text" ? [b.text] : [])).join("")
    if (message.role === "assistant") {
      const toolCalls = blocks.flatMap((b) =>
        b.type === "tool_use" ? [{ id: b.id, name: b.name, input: b.input }] : [],
      )
      for (const call of toolCalls) names.set(call.id, call.name)
      const reasoning = blocks.flatMap((b) => (b.type === "thinking" ? [b.thinking] : [])).join("\n")
      messages.push({
        role: "assistant",
        text,
        ...(toolCalls.length ? { toolCalls } : {}),
        ...(reasoning ? { reasoning } : {}),
      })
      continue
    }
    const toolResults = blocks.flatMap((b) =>
      b.type === "tool_result"
        ? [{ id: b.tool_use_id, name: names.get(b.tool_use_id) ?? "", output: resultText(b.content) }]
        : [],
    )
    if (toolResults.length) messages.push({ role: "tool", text: "", toolResults })
    if (text || !toolResults.length) messages.push({ role: "user", text })
  }
  const reasoning =
    body.thinking?.type === "enabled"
      ? { budgetTokens: body.thinking.budget_tokens }
      : body.thinking?.type === "adaptive"
        ? {}
        : undefined
  return {
    system,
    messages,
    tools: (body.tools ?? []).map((tool) => tool.name),
    ...(reasoning ? { reasoning } : {}),
    signal,
  }
}
