import type { CompactionConfig } from "../../config/config"
import type { WithParts } from "../message"
import { toModelMessages } from "../to-model"
import { estimateTokens } from "./overflow"
import { compactionOf } from "./view"

/** How many recent turns opencode keeps verbatim when `compaction.tail_turns` is not given. */
export const DEFAULT_TAIL_TURNS = 2
/** Bounds of the recent-token budget when `compaction.preserve_recent_tokens` is not given. */
export const MIN_PRESERVE_RECENT_TOKENS = 2_000
export const MAX_PRESERVE_RECENT_TOKENS = 15_000

/** Estimated tokens of messages as the model would be sent them. */
function size(messages: WithParts[]) {
  return estimateTokens(JSON.stringify(toModelMessages(messages)))
}

/** The tokens of recent turns a compaction keeps verbatim: the setting, else a quarter of the usable context within 2,000–15,000. */
export function preserveRecentBudget(settings: CompactionConfig, usable: number) {
  if (settings.preserve_recent_tokens !== undefined) return settings.preserve_recent_tokens
  return Math.min(MAX_PRESERVE_RECENT_TOKENS, Math.max(MIN_PRESERVE_RECENT_TOKENS, Math.floor(usable * 0.25)))
}

/**
 * Where the recent turns a compaction keeps verbatim begin in `view` (what the model sees before
 * the request), or -1 when none are kept. Only when the config names `compaction.tail_turns` or
 * `compaction.preserve_recent_tokens`: then, as opencode, the last `tail_turns` turns (a user
 * prompt and what answered it; 2 when not given) are taken newest first while they fit in the
 * budget, and of the first turn that does not fit, the latest messages that do.
 */
export function recentTail(view: WithParts[], settings: CompactionConfig, usable: number) {
  if (settings.tail_turns === undefined && settings.preserve_recent_tokens === undefined) return -1
  const limit = settings.tail_turns ?? DEFAULT_TAIL_TURNS
  if (limit <= 0) return -1
  const budget = preserveRecentBudget(settings, usable)
  const starts = view.flatMap((message, index) =>
    message.info.role === "user" && !compactionOf(message) ? [index] : [],
  )
  const turns = starts.map((start, i) => ({ start, end: starts[i + 1] ?? view.length })).slice(-limit)
  let total = 0
  let keep = -1
  for (const turn of turns.reverse()) {
    const tokens = size(view.slice(turn.start, turn.end))
    if (total + tokens <= budget) {
      total += tokens
      keep = turn.start
      continue
    }
    for (let start = turn.start + 1; start < turn.end; start++) {
      if (total + size(view.slice(start, turn.end)) > budget) continue
      keep = start
      break
    }
    break
  }
  return keep > 0 ? keep : -1
}
