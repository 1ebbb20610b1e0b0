import type { ModelMessage, SystemModelMessage, ToolSet } from "ai"
import type { Wire } from "../provider/call-settings"

/** How many prompt-cache breakpoints Anthropic accepts in one request. */
export const MAX_BREAKPOINTS = 4

const ephemeral = { anthropic: { cacheControl: { type: "ephemeral" } } } as const

/** What a step sends besides its settings, with prompt-cache marks where the wire takes them. */
export type MarkedPrompt = { system: SystemModelMessage; messages: ModelMessage[]; tools: ToolSet }

/**
 * Where the request that came before this one ended: the last message before the last assistant message (the
 * reply that request received), or nothing when the conversation has no reply yet.
 */
function previousEnd(messages: ModelMessage[]) {
  const reply = messages.findLastIndex((message) => message.role === "assistant")
  return reply > 0 ? reply - 1 : undefined
}

/**
 * Marks the stable prefix for Anthropic's prompt cache, which reads only up to blocks marked with
 * `cache_control`: the last tool definition, the system prompt, the message the previous request ended
 * with, and the last message. The transcript only grows, so the previous request's end is a prefix it wrote:
 * this request reads it exactly, however many blocks came after it (Anthropic looks only 20 blocks back from a
 * mark for an earlier entry, fewer than a turn delivering many results adds), and writes its own new end.
 * OpenAI caches prefixes by itself and takes no marks; other wires are sent unmarked.
 */
export function markCache(wire: Wire, system: string, messages: ModelMessage[], tools: ToolSet): MarkedPrompt {
  if (wire !== "anthropic") return { system: { role: "system", content: system }, messages, tools }
  const names = Object.keys(tools)
  const last = names.at(-1)
  const marked: ToolSet = {}
  for (const name of names)
    marked[name] = name === last ? { ...tools[name]!, providerOptions: ephemeral } : tools[name]!
  const at = new Set([previousEnd(messages), messages.length - 1])
  return {
    system: { role: "system", content: system, providerOptions: ephemeral },
    messages: messages.map((message, i) =>
      at.has(i)
        ? ({ ...message, providerOptions: { ...message.providerOptions, ...ephemeral } } as ModelMessage)
        : message,
    ),
    tools: marked,
  }
}
