import type { InputItem, ResolvedItem, ResponsesRequest } from "./responses-wire"

/** An output item as the server issued it. */
export type OutputItem =
  | { type: "reasoning"; id: string; summary: { type: "summary_text"; text: string }[]; encrypted_content?: string }
  | {
      type: "message"
      id: string
      role: "assistant"
      status: "completed"
      content: { type: "output_text"; text: string; annotations: [] }[]
    }
  | { type: "function_call"; id: string; call_id: string; name: string; arguments: string; status: "completed" }

/** What a server has handed out, to check what comes back. */
export type IssuedItems = {
  /** Output items of responses created with `store` on, by id: what `item_reference` and bare ids can name. */
  stored: Map<string, OutputItem>
  /** Every reasoning item issued, by id: its encrypted content and the output item that followed it. */
  reasoning: Map<string, { encrypted: string; next?: OutputItem }>
  /** Encrypted reasoning content issued, to the id of its reasoning item. */
  encrypted: Map<string, string>
  /** Ids of output items that followed a reasoning item, to that reasoning item's id. */
  reasonedBy: Map<string, string>
}

export function issuedItems(): IssuedItems {
  return { stored: new Map(), reasoning: new Map(), encrypted: new Map(), reasonedBy: new Map() }
}

/** A rule broken, with the request field it concerns, as the API's 400 names them. */
export type Violation = { message: string; param: string | null }

const broken = (message: string, param: string | null = "input"): Violation => ({ message, param })

function resolve(item: InputItem, index: number, issued: IssuedItems): ResolvedItem | Violation {
  if (item.type === "item_reference") {
    const stored = issued.stored.get(item.id)
    if (!stored)
      return broken(
        `Item with id '${item.id}' not found. Items are kept only for responses created with \`store\` on; send the item itself instead.`,
      )
    return { item: stored, id: stored.id }
  }
  if (item.type !== "reasoning") return { item, id: item.id }
  if (item.encrypted_content != null) {
    const id = issued.encrypted.get(item.encrypted_content)
    if (!id || (item.id !== undefined && item.id !== id))
      return broken(`The encrypted content for item ${item.id ?? `input[${index}]`} could not be verified.`)
    return { item, id }
  }
  if (item.id === undefined)
    return broken(`input[${index}]: a reasoning item needs its \`id\` or its \`encrypted_content\`.`)
  if (issued.stored.get(item.id)?.type !== "reasoning")
    return broken(
      `Item with id '${item.id}' not found. Items are kept only for responses created with \`store\` on; send the reasoning item's \`encrypted_content\` instead.`,
    )
  return { item, id: item.id }
}

/** Whether `entry` is the item that followed reasoning `next` when both were issued. */
function follows(entry: ResolvedItem | undefined, next: OutputItem) {
  if (!entry) return false
  if (next.type === "function_call") return entry.item.type === "function_call" && entry.item.call_id === next.call_id
  if (next.type === "message")
    return (
      entry.item.type === "message" &&
      entry.item.role === "assistant" &&
      (entry.id === undefined || entry.id === next.id)
    )
  return false
}

function pairing(items: ResolvedItem[], issued: IssuedItems): Violation | undefined {
  const seen = new Set<string>()
  const calls = new Set<string>()
  const answered = new Set<string>()
  for (const [i, entry] of items.entries()) {
    const { item, id } = entry
    if (id !== undefined) {
      if (seen.has(id)) return broken(`Duplicate item found with id ${id}.`)
      seen.add(id)
    }
    if (item.type === "reasoning" && id !== undefined) {
      const next = issued.reasoning.get(id)?.next
      if (next && !follows(items[i + 1], next))
        return broken(`Item '${id}' of type 'reasoning' was provided without its required following item.`)
    }
    const reasonedBy = id === undefined ? undefined : issued.reasonedBy.get(id)
    if (reasonedBy) {
      const previous = items[i - 1]
      if (previous?.item.type !== "reasoning" || previous.id !== reasonedBy)
        return broken(
          `Item '${id}' of type '${item.type}' was provided without its required 'reasoning' item: '${reasonedBy}'.`,
        )
    }
    if (item.type === "function_call") calls.add(item.call_id)
    if (item.type === "function_call_output") {
      if (!calls.has(item.call_id))
        return broken(`No tool call found for function call output with call_id ${item.call_id}.`)
      answered.add(item.call_id)
    }
  }
  const unanswered = [...calls].find((call) => !answered.has(call))
  if (unanswered) return broken(`No tool output found for function call ${unanswered}.`)
}

/**
 * The request's input with item references resolved, or the first documented rule of the Responses API it breaks
 * (worded as the API's error): references and reasoning items name items the server issued (reasoning sent back
 * by id needs `store`, by `encrypted_content` does not), a reasoning item is followed by the item it preceded
 * and that item is preceded by it, every `function_call_output` answers an earlier `function_call` and every
 * `function_call` is answered, and no id appears twice.
 */
export function resolveInput(body: ResponsesRequest, issued: IssuedItems): { items: ResolvedItem[] } | Violation {
  if (body.previous_response_id)
    return broken("The scripted server keeps no conversation state: send the whole input.", "previous_response_id")
  const input: InputItem[] =
    typeof body.input === "string" ? [{ type: "message", role: "user", content: body.input }] : body.input
  const items: ResolvedItem[] = []
  for (const [index, item] of input.entries()) {
    const resolved = resolve(item, index, issued)
    if (!("item" in resolved)) return resolved
    items.push(resolved)
  }
  return pairing(items, issued) ?? { items }
}
