import type { PatchPart, WithParts } from "../session/message"
import type { SessionRevert } from "../session/session-info"

/** Where a revert starts: a whole message (and all after it), or a message from one of its parts on. */
export type RevertPoint = Pick<SessionRevert, "messageID" | "partID">

/**
 * The point a revert of `messageID` (from `partID` on, when given) starts at, as opencode
 * places it: reverting a whole message, or a message from a part before which it said nothing
 * (no text, no tool call), goes back to the user message that started its turn. Undefined when
 * the message or part is not in `messages`.
 */
export function revertPoint(messages: WithParts[], messageID: string, partID?: string): RevertPoint | undefined {
  const index = messages.findIndex((message) => message.info.id === messageID)
  if (index < 0) return undefined
  const target = messages[index]!
  if (partID) {
    const at = target.parts.findIndex((part) => part.id === partID)
    if (at < 0) return undefined
    if (target.parts.slice(0, at).some((part) => part.type === "text" || part.type === "tool"))
      return { messageID, partID }
  }
  const user = messages.slice(0, index + 1).findLast((message) => message.info.role === "user")
  return { messageID: user?.info.id ?? messageID }
}

/** What a revert point hides of a transcript: whole messages, and the tail of the point's message. */
export function hiddenBy(messages: WithParts[], point: RevertPoint) {
  const index = messages.findIndex((message) => message.info.id === point.messageID)
  if (index < 0) return { messages: [] as WithParts[], parts: [] as WithParts["parts"] }
  const target = messages[index]!
  const from = point.partID ? target.parts.findIndex((part) => part.id === point.partID) : -1
  const whole = point.partID && from >= 0 ? messages.slice(index + 1) : messages.slice(index)
  const tail = point.partID && from >= 0 ? target.parts.slice(from) : []
  return { messages: whole, parts: [...tail, ...whole.flatMap((message) => message.parts)] }
}

/** The transcript a revert point leaves visible. */
export function keptBy(messages: WithParts[], point: RevertPoint | undefined): WithParts[] {
  if (!point) return messages
  const hidden = hiddenBy(messages, point)
  const gone = new Set(hidden.messages.map((message) => message.info.id))
  const goneParts = new Set(hidden.parts.map((part) => part.id))
  return messages
    .filter((message) => !gone.has(message.info.id))
    .map((message) => ({ ...message, parts: message.parts.filter((part) => !goneParts.has(part.id)) }))
}

/** The patch parts among `parts`. */
export function patchesOf(parts: WithParts["parts"]): PatchPart[] {
  return parts.filter((part): part is PatchPart => part.type === "patch")
}

/**
 * Which snapshot each file goes back to: the `hash` of the earliest patch that changed it
 * (patches in id order, oldest first), grouped by hash.
 */
export function restorePlan(patches: PatchPart[]) {
  const seen = new Set<string>()
  const plan = new Map<string, string[]>()
  for (const patch of [...patches].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)))
    for (const file of patch.files) {
      if (seen.has(file)) continue
      seen.add(file)
      plan.set(patch.hash, [...(plan.get(patch.hash) ?? []), file])
    }
  return plan
}
