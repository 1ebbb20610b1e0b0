import { migrate, parseRow, parseRows, type Db } from "../storage/db"
import type { WriteGroup } from "../storage/write-group"
import { TERMINAL, type TaskInfo, type TaskState } from "./task-info"

const schema = `
  create table task (
    id text primary key,
    parent_session_id text not null,
    session_id text not null,
    state text not null,
    delivery text not null,
    data text not null
  );
  create index task_parent on task(parent_session_id, id);
  create index task_pending on task(parent_session_id) where delivery = 'pending';
  create index task_session on task(session_id);
  create index task_open on task(state) where state in ('queued', 'running');
`

/**
 * The task ledger: the only authority on whether a task is done and whether its result reached
 * the parent. Rows are written in the caller's transaction (the one that creates the child).
 * Lists follow insertion order (rowid): a task is named by its child session, whose ids sort
 * newest first, and older databases hold tsk_ ids that sort oldest first.
 */
export class Ledger {
  constructor(
    private db: Db,
    private readonly group?: WriteGroup,
    /** The instance that runs the tasks this ledger inserts (`storage/leases.ts`). */
    private readonly owner: string | null = null,
  ) {
    migrate(db, "task-ledger-1", schema)
    migrate(db, "task-ledger-2", "alter table task add column owner text")
  }

  insert(task: TaskInfo) {
    this.group?.join()
    this.db
      .query(
        "insert into task (id, parent_session_id, session_id, state, delivery, data, owner) values (?, ?, ?, ?, ?, ?, ?)",
      )
      .run(task.id, task.parentSessionID, task.sessionID, task.state, task.delivery, JSON.stringify(task), this.owner)
    return task
  }

  get(id: string): TaskInfo | undefined {
    return parseRow<TaskInfo>(this.db.query("select data from task where id = ?").get(id))
  }

  bySession(sessionID: string): TaskInfo | undefined {
    return parseRow<TaskInfo>(
      this.db.query("select data from task where session_id = ? order by rowid desc limit 1").get(sessionID),
    )
  }

  listByParent(parentSessionID: string): TaskInfo[] {
    return parseRows<TaskInfo>(
      this.db.query("select data from task where parent_session_id = ? order by rowid").all(parentSessionID),
    )
  }

  listAll(limit = 1000): TaskInfo[] {
    return parseRows<TaskInfo>(this.db.query("select data from task order by rowid desc limit ?").all(limit))
  }

  /** Tasks that are not finished: queued or running. */
  open(): TaskInfo[] {
    return parseRows<TaskInfo>(
      this.db.query("select data from task where state in ('queued', 'running') order by rowid").all(),
    )
  }

  /** Finished tasks of a parent whose result has not reached it yet, oldest first. */
  undelivered(parentSessionID?: string): TaskInfo[] {
    const sql =
      "select data from task where delivery = 'pending' and state in ('completed', 'error', 'cancelled', 'interrupted')" +
      (parentSessionID ? " and parent_session_id = ?" : "") +
      " order by rowid"
    const rows = parentSessionID ? this.db.query(sql).all(parentSessionID) : this.db.query(sql).all()
    return parseRows<TaskInfo>(rows).sort((a, b) => (a.time.ended ?? 0) - (b.time.ended ?? 0))
  }

  /**
   * Whether a parent still waits on anything: a task that has not finished, or a finished one
   * whose result has not reached it (every unfinished task's delivery is still pending).
   */
  hasPending(parentSessionID: string) {
    return (
      this.db
        .query("select 1 from task where parent_session_id = ? and delivery = 'pending' limit 1")
        .get(parentSessionID) !== null
    )
  }

  /** Whether a parent has a task still queued or running. */
  hasUnfinished(parentSessionID: string) {
    return (
      this.db
        .query("select 1 from task where parent_session_id = ? and state in ('queued', 'running') limit 1")
        .get(parentSessionID) !== null
    )
  }

  /**
   * Writes the whole row if this ledger's owner still owns the task (the fence: a process whose
   * task was taken over by another cannot write it any more); returns it, or undefined when the
   * task is not ours.
   */
  save(task: TaskInfo): TaskInfo | undefined {
    this.group?.join()
    const changed = this.db
      .query("update task set state = ?, delivery = ?, data = ? where id = ? and owner is ?")
      .run(task.state, task.delivery, JSON.stringify(task), task.id, this.owner).changes
    return changed === 1 ? task : undefined
  }

  /**
   * Whether this ledger's owner owns the task (false when it was taken over, or is gone) and,
   * given `attempt`, whether that is still the attempt (a task taken away and back again has a
   * later one: the earlier run is not its run any more).
   */
  owns(id: string, attempt?: number) {
    const row = this.db.query("select data ->> '$.attempts' as attempts from task where id = ? and owner is ?")
    const found = row.get(id, this.owner) as { attempts: number } | null
    return found !== null && (attempt === undefined || found.attempts === attempt)
  }

  /**
   * Makes an unfinished task this ledger's owner's, whoever ran it (a cancel of a task running
   * in another process): the other process's run finds it lost and stops without writing.
   */
  take(id: string) {
    this.group?.join()
    this.db
      .query("update task set owner = ? where id = ? and state in ('queued', 'running') and owner is not ?")
      .run(this.owner, id, this.owner)
  }

  /**
   * Moves a task to a new state unless it is already terminal (a finished task never changes
   * state again) or another process owns it. Returns the updated row, or undefined when nothing
   * changed.
   */
  transition(id: string, state: TaskState, change: (task: TaskInfo) => TaskInfo = (t) => t): TaskInfo | undefined {
    const current = this.get(id)
    if (!current || TERMINAL.has(current.state)) return undefined
    return this.save(change({ ...current, state }))
  }

  /** The tasks deleted sessions started or ran as. */
  ofSessions(sessionIDs: string[]): TaskInfo[] {
    const list = JSON.stringify(sessionIDs)
    return parseRows<TaskInfo>(
      this.db
        .query(
          "select data from task where parent_session_id in (select value from json_each(?)) or session_id in (select value from json_each(?))",
        )
        .all(list, list),
    )
  }

  /** Removes task rows (their sessions were deleted: their results have nowhere to go). */
  remove(ids: string[]) {
    if (!ids.length) return
    this.group?.join()
    this.db.query("delete from task where id in (select value from json_each(?))").run(JSON.stringify(ids))
  }

  /**
   * Claims a finished task's result for one way of delivery. Only the first claim succeeds: this
   * is what makes delivery exactly-once. Must run inside the transaction that writes the part.
   */
  claim(id: string, delivery: "delivered" | "collected", at: number): TaskInfo | undefined {
    const current = this.get(id)
    if (!current || current.delivery !== "pending" || !TERMINAL.has(current.state)) return undefined
    const next: TaskInfo = { ...current, delivery, time: { ...current.time, delivered: at } }
    this.group?.join()
    const changed = this.db
      .query("update task set delivery = ?, data = ? where id = ? and delivery = 'pending'")
      .run(delivery, JSON.stringify(next), id)
    return changed.changes === 1 ? next : undefined
  }
}
