import { parseRows } from "../storage/db"
import { closeToolPart } from "./close-tool-part"
import type { AssistantMessage, Part, ToolPart } from "./message"
import type { Store } from "./store"

/**
 * Which sessions to close: the given ones (turns whose owner died), or every session of a
 * project directory that no live loop has a turn in.
 */
export type CloseScope = { sessions: string[] } | { directory: string }

/**
 * Closes what a stopped process left open in `scope`: tool parts still pending or running end
 * with an error saying why, assistant messages without an end get one and an aborted error. One
 * transaction; returns the sessions touched. A call answered while its work goes on is left open
 * (its work ends it) and handed to `answered`, from the same read.
 */
export function closeInterrupted(
  store: Store,
  reason: string,
  scope: CloseScope,
  answered?: (part: ToolPart) => void,
): string[] {
  const now = Date.now()
  const touched = new Set<string>()
  if ("sessions" in scope && !scope.sessions.length) return []
  const inScope = scopeFilter(store, scope)
  store.transaction(() => {
    const parts = parseRows<Part>(
      store.db
        .query(
          "select data from part where data ->> '$.type' = 'tool' and data ->> '$.state.status' in ('pending', 'running')",
        )
        .all(),
    )
    for (const part of parts) {
      if (!inScope(part.sessionID)) continue
      const closed = closeToolPart(part, reason, now)
      if (!closed && part.type === "tool") answered?.(part)
      if (!closed) continue
      store.upsertPart(closed)
      touched.add(part.sessionID)
    }
    const messages = parseRows<AssistantMessage>(
      store.db
        .query("select data from message where data ->> '$.role' = 'assistant' and data ->> '$.time.completed' is null")
        .all(),
    )
    for (const info of messages) {
      if (!inScope(info.sessionID)) continue
      store.upsertMessage({
        ...info,
        time: { ...info.time, completed: now },
        error: info.error ?? { name: "MessageAbortedError", data: { message: reason } },
      })
      touched.add(info.sessionID)
    }
  })
  return [...touched]
}

function scopeFilter(store: Store, scope: CloseScope): (sessionID: string) => boolean {
  if ("sessions" in scope) {
    const sessions = new Set(scope.sessions)
    return (sessionID) => sessions.has(sessionID)
  }
  const unowned = store.db.query(
    "select 1 from session where id = ? and data ->> '$.directory' = ? and id not in (select session_id from turn)",
  )
  return (sessionID) => unowned.get(sessionID, scope.directory) !== null
}
