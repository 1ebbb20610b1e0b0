import type { ToolPart, WithParts } from "../message"
import { estimateTokens } from "./overflow"
import { unreadResults } from "./unread"

/** Tool output tokens, counted from the newest, that are always kept. */
export const PRUNE_PROTECT = 40_000
/** Pruning happens only when it would clear more than this many tokens. */
export const PRUNE_MINIMUM = 20_000
/** Tools whose outputs are never cleared. */
const PROTECTED_TOOLS = new Set(["skill"])

/**
 * The tool parts whose outputs to clear: walking back from the newest message, past the last two
 * user turns, the outputs beyond the newest `protect` tokens, up to the last summary or the first
 * output already cleared. Nothing when that would clear `minimum` tokens or fewer. Delivered
 * results the model has not read yet are never cleared.
 */
export function prunable(history: WithParts[], protect = PRUNE_PROTECT, minimum = PRUNE_MINIMUM): ToolPart[] {
  const unread = new Set(unreadResults(history).map(({ part }) => part.id))
  const found: ToolPart[] = []
  let turns = 0
  let kept = 0
  let cleared = 0
  walk: for (let i = history.length - 1; i >= 0; i--) {
    const message = history[i]!
    if (message.info.role === "user") turns++
    if (turns < 2) continue
    if (message.info.role === "assistant" && message.info.summary) break
    for (let j = message.parts.length - 1; j >= 0; j--) {
      const part = message.parts[j]!
      if (part.type !== "tool" || part.state.status !== "completed") continue
      if (PROTECTED_TOOLS.has(part.tool) || unread.has(part.id)) continue
      if (part.state.time.compacted) break walk
      const tokens = estimateTokens(part.state.output)
      kept += tokens
      if (kept <= protect) continue
      found.push(part)
      cleared += tokens
    }
  }
  return cleared > minimum ? found : []
}

/** The part with its output marked as cleared at `now` (the stored output stays for clients). */
export function cleared(part: ToolPart, now: number): ToolPart {
  if (part.state.status !== "completed") return part
  return { ...part, state: { ...part.state, time: { ...part.state.time, compacted: now } } }
}
