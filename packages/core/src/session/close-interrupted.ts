import { parseRows } from "../storage/db"
import { closeToolPart } from "./close-tool-part"
import type { AssistantMessage, Part } from "./message"
import type { Store } from "./store"

/**
 * Closes what a stopped process left open: tool parts still pending or running end with an
 * error saying why, assistant messages without an end get one and an aborted error. One
 * transaction; returns the sessions touched.
 */
export function closeInterrupted(store: Store, reason: string): string[] {
  const now = Date.now()
  const touched = new Set<string>()
  store.transaction(() => {
    const parts = parseRows<Part>(
      store.db
        .query(
          "select data from part where data ->> '$.type' = 'tool' and data ->> '$.state.status' in ('pending', 'running')",
        )
        .all(),
    )
    for (const part of parts) {
      const closed = closeToolPart(part, reason, now)
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
