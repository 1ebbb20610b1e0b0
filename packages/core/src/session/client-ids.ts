import { isAscendingId, latestIdAt } from "../id/id"
import type { PromptInput } from "./prompt"
import type { Store } from "./store"

/** How far ahead of this machine's clock a client's id may be: clocks of one machine's processes agree. */
export const CLOCK_SKEW_MS = 60_000

/** A client-chosen id that is already taken (409): ids are never reused, so no row is overwritten. */
export class IdTakenError extends Error {
  override name = "ConflictError"
}

/** A client-chosen id that is malformed or out of the session's time order (400). */
export class BadIdError extends Error {
  override name = "BadRequest"
}

/**
 * Checks the ids a client chose for a prompt's message and parts before anything is written.
 * Each must be new, so it cannot overwrite another session's message or part or a delivered
 * result; the message id must sort after the session's last message and not lie in the future,
 * since the loop reads the transcript in id order and a far-future id would always look last.
 */
export function checkClientIds(store: Store, sessionID: string, input: PromptInput, now = Date.now()) {
  if (input.messageID !== undefined) {
    const id = input.messageID
    if (!isAscendingId("message", id))
      throw new BadIdError(`messageID "${id}" is not a message id (msg_ followed by 26 characters)`)
    if (store.messageExists(id)) throw new IdTakenError(`message ${id} already exists; ids cannot be reused`)
    if (id > latestIdAt("message", now + CLOCK_SKEW_MS)) throw new BadIdError(`messageID "${id}" lies in the future`)
    const last = store.lastMessage(sessionID)
    if (last && id <= last.id)
      throw new BadIdError(`messageID "${id}" sorts before the session's last message ${last.id}`)
  }
  const seen = new Set<string>()
  for (const part of input.parts) {
    if (part.id === undefined) continue
    if (!isAscendingId("part", part.id))
      throw new BadIdError(`part id "${part.id}" is not a part id (prt_ followed by 26 characters)`)
    if (seen.has(part.id) || store.partExists(part.id))
      throw new IdTakenError(`part ${part.id} already exists; ids cannot be reused`)
    seen.add(part.id)
  }
}
