import { blocksOf, thinkingOn, type ContentBlock, type MessagesRequest } from "./anthropic-wire"

/** Thinking a server handed out: each signature with the text it signed, and the data of redacted blocks. */
export type IssuedThinking = { signed: Map<string, string>; redacted: Set<string> }

/** Anthropic accepts at most this many blocks marked with `cache_control` in one request. */
export const MAX_CACHE_BREAKPOINTS = 4
/** The smallest `thinking.budget_tokens` Anthropic accepts. */
export const MIN_THINKING_BUDGET = 1024

/** What a rule reads besides the body: what the server signed, and the betas of the `anthropic-beta` header. */
export type RuleContext = { issued: IssuedThinking; betas: string[] }

type Rule = (body: MessagesRequest, context: RuleContext) => string | undefined

const thinkingBudget: Rule = (body, { betas }) => {
  if (body.thinking?.type !== "enabled") return
  if (body.thinking.budget_tokens < MIN_THINKING_BUDGET)
    return `thinking.enabled.budget_tokens: must be at least ${MIN_THINKING_BUDGET}`
  // With interleaved thinking the budget spans the whole tool loop, so it may exceed one response's max_tokens.
  const interleaved = betas.some((beta) => beta.startsWith("interleaved-thinking"))
  if (!interleaved && body.max_tokens <= body.thinking.budget_tokens)
    return "`max_tokens` must be greater than `thinking.budget_tokens`"
}

const cacheBreakpoints: Rule = (body) => {
  const marked = [
    body.cache_control,
    ...(body.tools ?? []).map((tool) => tool.cache_control),
    ...(typeof body.system === "string" ? [] : (body.system ?? []).map((block) => block.cache_control)),
    ...body.messages.flatMap((message) => blocksOf(message.content).map((block) => block.cache_control)),
  ].filter(Boolean).length
  if (marked > MAX_CACHE_BREAKPOINTS)
    return `A maximum of ${MAX_CACHE_BREAKPOINTS} blocks with cache_control may be provided. Found ${marked}.`
}

const USER_ONLY = new Set(["tool_result", "image", "document"])
const ASSISTANT_ONLY = new Set(["tool_use", "thinking", "redacted_thinking"])

const turns: Rule = (body) => {
  if (body.messages[0]?.role !== "user") return "messages.0.role: the first message must use the `user` role"
  for (const [i, message] of body.messages.entries()) {
    if (i > 0 && body.messages[i - 1]!.role === message.role)
      return `messages.${i}.role: roles must alternate between \`user\` and \`assistant\`, but found two \`${message.role}\` messages in a row`
    const blocks = blocksOf(message.content)
    const last = i === body.messages.length - 1
    if (!blocks.length && !(last && message.role === "assistant"))
      return `messages.${i}: all messages must have non-empty content except for the optional final assistant message`
    for (const [k, block] of blocks.entries()) {
      if (block.type === "text" && !block.text && !(last && message.role === "assistant"))
        return `messages.${i}.content.${k}.text: text content blocks must be non-empty`
      const misplaced = message.role === "user" ? ASSISTANT_ONLY : USER_ONLY
      if (misplaced.has(block.type))
        return `messages.${i}.content.${k}: \`${block.type}\` blocks are not allowed in \`${message.role}\` messages`
    }
  }
}

const toolUseIds = (blocks: ContentBlock[]) => blocks.flatMap((b) => (b.type === "tool_use" ? [b.id] : []))
const toolResultIds = (blocks: ContentBlock[]) =>
  blocks.flatMap((b) => (b.type === "tool_result" ? [b.tool_use_id] : []))

const toolPairing: Rule = (body) => {
  const seen = new Set<string>()
  for (const [i, message] of body.messages.entries()) {
    const blocks = blocksOf(message.content)
    if (message.role === "assistant") {
      for (const [k, block] of blocks.entries()) {
        if (block.type !== "tool_use") continue
        if (seen.has(block.id))
          return `messages.${i}.content.${k}: \`tool_use\` ids must be unique, found ${block.id} twice`
        seen.add(block.id)
      }
      const uses = toolUseIds(blocks)
      const next = body.messages[i + 1]
      const answered = new Set(next ? toolResultIds(blocksOf(next.content)) : [])
      const missing = uses.filter((id) => !answered.has(id))
      if (missing.length)
        return `messages.${i + 1}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(", ")}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`
      continue
    }
    const previous = body.messages[i - 1]
    const asked = new Set(previous ? toolUseIds(blocksOf(previous.content)) : [])
    let other = false
    for (const [k, block] of blocks.entries()) {
      if (block.type !== "tool_result") {
        other = true
        continue
      }
      if (!asked.has(block.tool_use_id))
        return `messages.${i}.content.${k}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${block.tool_use_id}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`
      if (other)
        return `messages.${i}.content.${k}: \`tool_result\` blocks must come first in a user message's content, before any other block`
    }
  }
}

const thinkingUnmodified: Rule = (body, { issued }) => {
  for (const [i, message] of body.messages.entries()) {
    for (const [k, block] of blocksOf(message.content).entries()) {
      if (block.type === "thinking") {
        const signed = issued.signed.get(block.signature)
        if (signed === undefined) return `messages.${i}.content.${k}: Invalid \`signature\` in \`thinking\` block`
        if (signed !== block.thinking)
          return `messages.${i}.content.${k}: \`thinking\` blocks cannot be modified; they must remain as they were in the original response`
      }
      if (block.type === "redacted_thinking" && !issued.redacted.has(block.data))
        return `messages.${i}.content.${k}: Invalid \`data\` in \`redacted_thinking\` block`
    }
  }
}

const finalAssistantThinks: Rule = (body) => {
  if (!thinkingOn(body)) return
  const last = body.messages.at(-1)!
  if (last.role !== "user" || !toolResultIds(blocksOf(last.content)).length) return
  const index = body.messages.length - 2
  const first = blocksOf(body.messages[index]!.content)[0]
  if (first?.type === "thinking" || first?.type === "redacted_thinking") return
  return (
    `messages.${index}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${first?.type ?? "nothing"}\`. ` +
    "When `thinking` is enabled, the final `assistant` message (the one whose `tool_use` blocks the last `tool_result` blocks answer) " +
    "must start with the thinking block the API returned with it. To avoid this requirement, disable `thinking`."
  )
}

const RULES: Rule[] = [thinkingBudget, cacheBreakpoints, turns, toolPairing, thinkingUnmodified, finalAssistantThinks]

/**
 * The first documented request rule of Anthropic's Messages API that `body` breaks, worded as the API's error
 * message; undefined when the request is valid.
 */
export function messagesViolation(body: MessagesRequest, context: RuleContext) {
  for (const rule of RULES) {
    const violation = rule(body, context)
    if (violation) return violation
  }
}
