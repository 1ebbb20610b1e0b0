import { ascending } from "../id/id"
import type { Message, Part } from "./message"
import type { SessionInfo } from "./session-info"
import { settledCopy } from "./answered-call"
import type { Store } from "./store"

/** Why a fork was refused: the message to fork at is not in the session. */
export type ForkRefused = { refused: "not-found"; message: string }

/** The title of a fork: "title (fork #1)", and the next number for a fork of a fork. */
export function forkTitle(title: string) {
  const numbered = /^(.*) \(fork #(\d+)\)$/.exec(title)
  if (numbered) return `${numbered[1]} (fork #${Number(numbered[2]) + 1})`
  return `${title} (fork #1)`
}

/**
 * A new root session with copies of `source`'s messages and parts before `messageID` (all of
 * them when left out; those a revert hides never), under new ids made in the original order,
 * so message and part ids still sort oldest first. One transaction: the fork appears whole.
 */
export function forkSession(store: Store, source: SessionInfo, messageID?: string): SessionInfo | ForkRefused {
  const messages = store.messages(source.id)
  const at = messageID ? messages.findIndex((message) => message.info.id === messageID) : -1
  if (messageID && at < 0) return { refused: "not-found", message: `message ${messageID} not found in ${source.id}` }
  const revertAt = source.revert ? messages.findIndex((message) => message.info.id === source.revert!.messageID) : -1
  const ends = [at, revertAt].filter((index) => index >= 0)
  const kept = messages.slice(0, ends.length ? Math.min(...ends) : messages.length)
  return store.transaction(() => {
    const fork = store.createSession({
      directory: source.directory,
      title: forkTitle(source.title),
      agent: source.agent,
      model: source.model ? { providerID: source.model.providerID, modelID: source.model.id } : undefined,
    })
    const ids = new Map<string, string>()
    for (const { info, parts } of kept) {
      const id = ascending("message")
      ids.set(info.id, id)
      const copy: Message =
        info.role === "user"
          ? { ...info, id, sessionID: fork.id }
          : { ...info, id, sessionID: fork.id, parentID: ids.get(info.parentID) ?? info.parentID }
      store.upsertMessage(copy)
      for (const part of parts)
        store.upsertPart({ ...settledCopy(part), id: ascending("part"), sessionID: fork.id, messageID: id } as Part)
    }
    return fork
  })
}
