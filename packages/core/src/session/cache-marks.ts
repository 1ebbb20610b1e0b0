import type { ModelMessage, SystemModelMessage, ToolSet } from "ai"
import type { Wire } from "../provider/call-settings"

/** How many prompt-cache breakpoints Anthropic accepts in one request. */
export const MAX_BREAKPOINTS = 4

const ephemeral = { anthropic: { cacheControl: { type: "ephemeral" } } } as const

/** What a step sends besides its settings, with prompt-cache marks where the wire takes them. */
export type MarkedPrompt = { system: SystemModelMessage; messages: ModelMessage[]; tools: ToolSet }

/**
 * Marks the stable prefix for Anthropic's prompt cache, which reads only up to blocks marked with
 * `cache_control`: the last tool definition, the system prompt and the last two messages, four marks in all.
 * The transcript only grows, so each request reads what the one before it wrote and writes its own new end.
 * OpenAI caches prefixes by itself and takes no marks; other wires are sent unmarked.
 */
export function markCache(wire: Wire, system: string, messages: ModelMessage[], tools: ToolSet): MarkedPrompt {
  if (wire !== "anthropic") return { system: { role: "system", content: system }, messages, tools }
  const names = Object.keys(tools)
  const last = names.at(-1)
  const marked: ToolSet = {}
  for (const name of names)
    marked[name] = name === last ? { ...tools[name]!, providerOptions: ephemeral } : tools[name]!
  const tail = messages.length - (MAX_BREAKPOINTS - 2)
  return {
    system: { role: "system", content: system, providerOptions: ephemeral },
    messages: messages.map((message, i) =>
      i >= tail
        ? ({ ...message, providerOptions: { ...message.providerOptions, ...ephemeral } } as ModelMessage)
        : message,
    ),
    tools: marked,
  }
}
