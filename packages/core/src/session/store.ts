import { parseRow, parseRows, type Db } from "../storage/db"
import type { Bus } from "../bus/bus"
import type { WriteGroup } from "../storage/write-group"
import { descending } from "../id/id"
import {
  emptyTokens,
  addTokens,
  type Message,
  type Part,
  type UserMessage,
  type WithParts,
  type Tokens,
} from "./message"
import { SessionInfo } from "./session-info"
import { slug } from "./slug"
import {
  MessageRemoved,
  MessageUpdated,
  PartDelta,
  PartUpdated,
  SessionCreated,
  SessionDeleted,
  SessionUpdated,
} from "./events"

export const VERSION = "0.1.0"

/**
 * Messages and parts are written only while their session exists: a loop aborted by a delete
 * may still write its last parts after it, and they must not come back under a deleted id.
 */
const SESSION_EXISTS = "exists (select 1 from session where id = ?)"

export type CreateSessionInput = {
  /** An id made beforehand with `descending("session")`, when something was named after it already. */
  id?: string
  parentID?: string
  title?: string
  directory: string
  agent?: string
  model?: { providerID: string; modelID: string }
}

/**
 * Sessions, messages and parts in SQLite. Every write is published on the bus after it is
 * committed; callers that need several writes to be atomic wrap them in `transaction`. With a
 * write group, writes join the current loop turn's commit (see WriteGroup).
 */
export class Store {
  private queued: (() => void)[] | undefined

  constructor(
    readonly db: Db,
    readonly bus: Bus,
    /** The group commit writes join; its `onFailure` tells who must reconcile after a rollback. */
    readonly group?: WriteGroup,
  ) {}

  /** SQLite's own consistency check of the whole data file: "ok", or what is wrong. */
  integrityCheck() {
    return (this.db.query("pragma integrity_check").get() as { integrity_check: string }).integrity_check
  }

  /** Call before every write. */
  private write() {
    this.group?.join()
  }

  /** Runs `fn` in one transaction; events raised inside are published after the commit. */
  transaction<T>(fn: () => T): T {
    if (this.queued) return fn()
    this.write()
    const queued: (() => void)[] = []
    this.queued = queued
    try {
      const result = this.db.transaction(fn)()
      this.queued = undefined
      for (const publish of queued) publish()
      return result
    } finally {
      this.queued = undefined
    }
  }

  private announce(publish: () => void) {
    if (this.queued) this.queued.push(publish)
    else publish()
  }

  createSession(input: CreateSessionInput): SessionInfo {
    const now = Date.now()
    const info: SessionInfo = {
      id: input.id ?? descending("session", now),
      slug: slug(),
      projectID: "global",
      directory: input.directory,
      path: "",
      parentID: input.parentID,
      title: input.title ?? `${input.parentID ? "Child session" : "New session"} - ${new Date(now).toISOString()}`,
      agent: input.agent,
      model: input.model ? { id: input.model.modelID, providerID: input.model.providerID } : undefined,
      version: VERSION,
      cost: 0,
      tokens: emptyTokens(),
      time: { created: now, updated: now },
    }
    this.write()
    this.db
      .query("insert into session (id, parent_id, time_updated, data) values (?, ?, ?, ?)")
      .run(info.id, info.parentID ?? null, now, JSON.stringify(info))
    this.announce(() => this.bus.publish(SessionCreated, { sessionID: info.id, info }))
    return info
  }

  getSession(id: string): SessionInfo | undefined {
    return parseRow<SessionInfo>(this.db.query("select data from session where id = ?").get(id))
  }

  /**
   * The session and the chain of sessions that started it: itself first, then its parent, up to
   * the root. Empty when the session does not exist; stops where an ancestor was deleted.
   */
  ancestors(id: string): SessionInfo[] {
    return parseRows<SessionInfo>(
      this.db
        .query(
          `with recursive chain(id, parent_id, depth) as (
             select id, parent_id, 0 from session where id = ?
             union all
             select session.id, session.parent_id, chain.depth + 1 from session join chain on session.id = chain.parent_id
           )
           select session.data from chain join session using (id) order by chain.depth`,
        )
        .all(id),
    )
  }

  /** Sessions newest first; `directory` keeps one project's (the store may hold several). */
  listSessions(options: { roots?: boolean; limit?: number; directory?: string } = {}): SessionInfo[] {
    const where = [
      options.roots ? "parent_id is null" : "",
      options.directory ? "data ->> '$.directory' = $directory" : "",
    ].filter(Boolean)
    return parseRows<SessionInfo>(
      this.db
        .query(
          `select data from session ${where.length ? "where " + where.join(" and ") : ""} order by time_updated desc limit $limit`,
        )
        .all({ limit: options.limit ?? -1, ...(options.directory ? { directory: options.directory } : {}) }),
    )
  }

  children(id: string): SessionInfo[] {
    // Session ids sort newest first; children are listed in the order they were made.
    return parseRows<SessionInfo>(
      this.db.query("select data from session where parent_id = ? order by id desc").all(id),
    )
  }

  /** Applies `change` to the stored session and publishes `session.updated`. */
  updateSession(id: string, change: (info: SessionInfo) => SessionInfo): SessionInfo | undefined {
    const current = this.getSession(id)
    if (!current) return undefined
    const next = change(current)
    next.time = { ...next.time, updated: Date.now() }
    this.write()
    const update = this.db.query("update session set data = ?, time_updated = ? where id = ?")
    update.run(JSON.stringify(next), next.time.updated, id)
    this.announce(() => this.bus.publish(SessionUpdated, { sessionID: id, info: next }))
    return next
  }

  /** Adds a step's tokens and cost to the session's totals. */
  addUsage(id: string, tokens: Tokens, cost: number) {
    return this.updateSession(id, (info) => ({
      ...info,
      tokens: addTokens(info.tokens, tokens),
      cost: info.cost + cost,
    }))
  }

  /** Deletes a session, its descendants, their messages and parts. */
  deleteSession(id: string): SessionInfo[] {
    const removed: SessionInfo[] = []
    const visit = (sessionID: string) => {
      for (const child of this.children(sessionID)) visit(child.id)
      const info = this.getSession(sessionID)
      if (!info) return
      this.db.query("delete from part where session_id = ?").run(sessionID)
      this.db.query("delete from message where session_id = ?").run(sessionID)
      this.db.query("delete from session where id = ?").run(sessionID)
      removed.push(info)
    }
    this.transaction(() => visit(id))
    for (const info of removed) this.bus.publish(SessionDeleted, { sessionID: info.id, info })
    return removed
  }

  upsertMessage(info: Message) {
    this.write()
    const written = this.db
      .query(
        `insert into message (id, session_id, data) select ?, ?, ? where ${SESSION_EXISTS}
         on conflict(id) do update set data = excluded.data where session_id = excluded.session_id`,
      )
      .run(info.id, info.sessionID, JSON.stringify(info), info.sessionID)
    if (written.changes === 0) return info
    this.announce(() => this.bus.publish(MessageUpdated, { sessionID: info.sessionID, info }))
    return info
  }

  upsertPart(part: Part) {
    this.write()
    const written = this.db
      .query(
        `insert into part (id, message_id, session_id, data) select ?, ?, ?, ? where ${SESSION_EXISTS}
         on conflict(id) do update set data = excluded.data where session_id = excluded.session_id and message_id = excluded.message_id`,
      )
      .run(part.id, part.messageID, part.sessionID, JSON.stringify(part), part.sessionID)
    if (written.changes === 0) return part
    this.announce(() => this.bus.publish(PartUpdated, { sessionID: part.sessionID, part, time: Date.now() }))
    return part
  }

  /** A streaming delta: announced on the bus only; the part is persisted at its boundary. */
  delta(part: Part, field: string, delta: string) {
    this.bus.publish(PartDelta, { sessionID: part.sessionID, messageID: part.messageID, partID: part.id, field, delta })
  }

  removeMessage(sessionID: string, messageID: string) {
    this.transaction(() => {
      this.db.query("delete from part where message_id = ?").run(messageID)
      this.db.query("delete from message where id = ?").run(messageID)
    })
    this.bus.publish(MessageRemoved, { sessionID, messageID })
  }

  getMessage(sessionID: string, messageID: string): WithParts | undefined {
    const info = parseRow<Message>(
      this.db.query("select data from message where id = ? and session_id = ?").get(messageID, sessionID),
    )
    return info ? { info, parts: this.parts(messageID) } : undefined
  }

  /** Whether a message with this id exists in any session. */
  messageExists(id: string) {
    return this.db.query("select 1 from message where id = ?").get(id) !== null
  }

  /** Whether a part with this id exists in any session. */
  partExists(id: string) {
    return this.db.query("select 1 from part where id = ?").get(id) !== null
  }

  lastUserMessage(sessionID: string): UserMessage | undefined {
    return parseRow<UserMessage>(
      this.db
        .query("select data from message where session_id = ? and data ->> '$.role' = 'user' order by id desc limit 1")
        .get(sessionID),
    )
  }

  /** The session's latest message, without its parts. */
  lastMessage(sessionID: string): Message | undefined {
    return parseRow<Message>(
      this.db.query("select data from message where session_id = ? order by id desc limit 1").get(sessionID),
    )
  }

  /** How many steps (model calls that finished) the session has made: its step-finish parts. */
  stepCount(sessionID: string): number {
    const row = this.db
      .query("select count(*) as n from part where session_id = ? and data ->> '$.type' = 'step-finish'")
      .get(sessionID) as { n: number }
    return row.n
  }

  parts(messageID: string): Part[] {
    return parseRows<Part>(this.db.query("select data from part where message_id = ? order by id").all(messageID))
  }

  /** A session's messages with their parts, oldest first; `limit` keeps the newest ones. */
  messages(sessionID: string, limit?: number): WithParts[] {
    const infos = parseRows<Message>(
      this.db.query("select data from message where session_id = ? order by id").all(sessionID),
    )
    const kept = limit ? infos.slice(-limit) : infos
    const partRows = this.db
      .query("select message_id, data from part where session_id = ? order by id")
      .all(sessionID) as { message_id: string; data: string }[]
    const byMessage = new Map<string, Part[]>()
    for (const row of partRows) {
      const list = byMessage.get(row.message_id) ?? []
      list.push(JSON.parse(row.data) as Part)
      byMessage.set(row.message_id, list)
    }
    return kept.map((info) => ({ info, parts: byMessage.get(info.id) ?? [] }))
  }
}
