import { migrate, parseRows, type Db } from "./db"
import type { WriteGroup } from "./write-group"
import type { TaskInfo } from "../task/task-info"

const schema = `
  create table turn (
    session_id text primary key,
    owner text not null,
    started integer not null
  );
  create index turn_owner on turn(owner);
`

/** Work of `owner` that is still open: unfinished tasks and finished ones not yet delivered. */
const OPEN_TASK = "(state in ('queued', 'running') or delivery = 'pending')"
/** An owner with no row in `instance` is dead (its row was reaped, or it closed). */
const ORPHAN = "(owner is null or owner not in (select id from instance))"

/**
 * The ownership of open work, all of it SQL: every open task (`task.owner`) and every open turn
 * (a `turn` row while a session's loop runs) names the instance that runs it. Work whose owner
 * has no live `instance` row is an orphan; a live process of the same project directory takes it
 * over with one conditional update, so whoever commits first wins and the other finds nothing.
 * This is the storage seam for ownership: a networked database implements these methods (see
 * docs/scale.md), nothing above them changes.
 */
export class Leases {
  constructor(
    private readonly db: Db,
    readonly owner: string,
    private readonly group?: WriteGroup,
  ) {
    migrate(db, "turn-1", schema)
  }

  /**
   * Claims a session's turn for a loop of this process: one conditional upsert, so of two
   * processes that try at once exactly one gets it. A turn held by a live other process is
   * refused; one held by a dead process (no `instance` row), or by this one, is granted.
   * True when the turn is ours.
   */
  claimTurn(sessionID: string) {
    this.group?.join()
    return (
      this.db
        .query(
          `insert into turn (session_id, owner, started) values (?, ?, ?)
           on conflict (session_id) do update set owner = excluded.owner, started = excluded.started
           where turn.owner = excluded.owner or turn.owner not in (select id from instance)`,
        )
        .run(sessionID, this.owner, Date.now()).changes === 1
    )
  }

  /**
   * A session's loop started here: its turn is ours until it ends. Unconditional: the loop runs
   * whatever the row said, and a row naming another process would have a take-over close its parts.
   */
  beginTurn(sessionID: string) {
    this.group?.join()
    this.db
      .query("insert or replace into turn (session_id, owner, started) values (?, ?, ?)")
      .run(sessionID, this.owner, Date.now())
  }

  /** A session's loop ended here (or a claimed turn was not used). */
  endTurn(sessionID: string) {
    this.group?.join()
    this.db.query("delete from turn where session_id = ? and owner = ?").run(sessionID, this.owner)
  }

  /**
   * Takes every orphaned open task of `directory` (its parent session's directory): one
   * statement sets the owner where it is still an orphan, so of two processes that try at once
   * exactly one gets each task. Returns the tasks taken.
   */
  claimTasks(directory: string): TaskInfo[] {
    this.group?.join()
    const rows = this.db
      .query(
        `update task set owner = ? where ${OPEN_TASK} and ${ORPHAN}
           and parent_session_id in (select id from session where data ->> '$.directory' = ?)
         returning data`,
      )
      .all(this.owner, directory)
    return parseRows<TaskInfo>(rows).sort((a, b) => (a.id < b.id ? -1 : 1))
  }

  /**
   * Ends the orphaned turns of `directory` (their loop's process is gone) and returns their
   * sessions, whose unfinished parts and messages the caller closes in the same transaction.
   */
  claimTurns(directory: string): string[] {
    this.group?.join()
    const rows = this.db
      .query(
        `delete from turn where ${ORPHAN}
           and session_id in (select id from session where data ->> '$.directory' = ?)
         returning session_id`,
      )
      .all(directory) as { session_id: string }[]
    return rows.map((row) => row.session_id)
  }

  /** Whether any turn or open task is orphaned, in any project: a cheap check before taking over. */
  hasOrphans(): boolean {
    return (
      this.db.query(`select 1 from turn where ${ORPHAN} limit 1`).get() !== null ||
      this.db.query(`select 1 from task where ${OPEN_TASK} and ${ORPHAN} limit 1`).get() !== null
    )
  }

  /**
   * Removes tasks whose parent or own session no longer exists (a delete whose process stopped
   * before the task's run ended, or a version whose deletes left them): nobody can run them, and
   * nothing can be delivered to their parent.
   */
  forgetSessionless() {
    this.group?.join()
    return this.db
      .query(
        "delete from task where parent_session_id not in (select id from session) or session_id not in (select id from session)",
      )
      .run().changes
  }

  /** Open tasks this process owns, for what to say on exit. */
  ownedOpen(): TaskInfo[] {
    return parseRows<TaskInfo>(
      this.db
        .query("select data from task where owner = ? and state in ('queued', 'running') order by id")
        .all(this.owner),
    )
  }
}
