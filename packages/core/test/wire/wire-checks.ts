import { expect } from "bun:test"
import type { Wire } from "./wires"

type Block = { type: string; cache_control?: unknown }
export type AnthropicBody = {
  thinking?: { type: string; budget_tokens?: number }
  max_tokens: number
  system?: Block[]
  tools?: Block[]
  messages: { role: string; content: Block[] }[]
}

/** What each wire must carry on every request: the model's options, its output limit, cache marks. */
export function checkSettings(w: Wire) {
  for (const { body } of w.exchanges()) {
    if (w.name.startsWith("anthropic")) {
      const sent = body as AnthropicBody
      const thinks = w.name === "anthropic"
      expect(sent.thinking).toEqual(thinks ? { type: "enabled", budget_tokens: 2048 } : undefined)
      expect(sent.max_tokens).toBe(thinks ? 8192 + 2048 : 8192)
      const marks = [...(sent.tools ?? []), ...(sent.system ?? []), ...sent.messages.flatMap((m) => m.content)].filter(
        (block) => block.cache_control,
      )
      expect(marks.length).toBeGreaterThanOrEqual(3)
      expect(marks.length).toBeLessThanOrEqual(4)
    }
    if (w.name.startsWith("responses"))
      expect(body).toMatchObject({ reasoning: { effort: "low" }, max_output_tokens: 8192 })
    if (w.name === "responses-stateless") expect(body).toMatchObject({ store: false })
  }
}
