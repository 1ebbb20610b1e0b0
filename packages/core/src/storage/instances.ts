import { randomBytes } from "node:crypto"
import os from "node:os"
import { migrate, type Db } from "./db"
import type { WriteGroup } from "./write-group"

/** How often a live process renews its lease and looks for work whose owner died, in ms. */
export const HEARTBEAT_MS = 2_000
/**
 * How long a lease lasts without renewal, in ms. On its own host a dead owner is known at once
 * (its pid is gone); the lease decides only where the pid cannot be checked (another host, a
 * reused pid). Five missed heartbeats, and longer than the store's 5 s `busy_timeout`, so a
 * process that waited on a lock or a slow loop turn is not taken for dead.
 */
export const LEASE_MS = 10_000

/** A process that has the store open, as the `instance` table records it. */
export type InstanceRow = {
  id: string
  pid: number
  host: string
  directory: string
  url: string | null
  started: number
  lease_until: number
}

const schema = `
  drop table if exists instance;
  create table instance (
    id text primary key,
    pid integer not null,
    host text not null,
    directory text not null,
    url text,
    started integer not null,
    lease_until integer not null
  );
`

/**
 * The processes that have the store open, a row each: who it is (pid, host), which project it
 * serves, where (`url`, for `tandem serve`) and until when its lease holds. A live process renews
 * its lease every `HEARTBEAT_MS`; its row is removed when it closes. Work recorded under an owner
 * that has no row any more, or whose row is dead, is free to be taken over (`Leases`).
 */
export class Instances {
  readonly id = `ins_${Date.now().toString(36)}${randomBytes(6).toString("hex")}`
  readonly host = os.hostname()

  constructor(
    private readonly db: Db,
    readonly directory: string,
    readonly pid = process.pid,
    private readonly now = () => Date.now(),
    private readonly group?: WriteGroup,
  ) {
    migrate(db, "instance-2", schema)
  }

  /** Writes this process's row with a fresh lease. */
  register() {
    this.group?.join()
    const now = this.now()
    this.db
      .query(
        "insert or replace into instance (id, pid, host, directory, url, started, lease_until) values (?, ?, ?, ?, null, ?, ?)",
      )
      .run(this.id, this.pid, this.host, this.directory, now, now + LEASE_MS)
  }

  /** Renews the lease; false when the row was gone (taken for dead), in which case it is written again. */
  renew() {
    this.group?.join()
    const changed = this.db
      .query("update instance set lease_until = ? where id = ?")
      .run(this.now() + LEASE_MS, this.id).changes
    if (changed === 0) this.register()
    return changed === 1
  }

  /** Records the URL this process serves on. */
  serving(url: string) {
    this.group?.join()
    this.db.query("update instance set url = ? where id = ?").run(url, this.id)
  }

  /**
   * Removes the rows of dead processes: a pid gone on this host, or a lease that expired.
   * Returns the ids removed.
   */
  reap(alive: (pid: number) => boolean = isAlive): string[] {
    const now = this.now()
    this.group?.join()
    const dead = this.all().filter(
      (row) => row.id !== this.id && (row.lease_until < now || (row.host === this.host && !alive(row.pid))),
    )
    for (const row of dead)
      this.db.query("delete from instance where id = ? and lease_until = ?").run(row.id, row.lease_until)
    return dead.map((row) => row.id)
  }

  all(): InstanceRow[] {
    return this.db.query("select * from instance order by started").all() as InstanceRow[]
  }

  /** Other live processes serving `directory`, servers (with a URL) first. */
  peers(directory = this.directory): InstanceRow[] {
    return this.all()
      .filter((row) => row.id !== this.id && row.directory === directory)
      .sort((a, b) => (a.url ? 0 : 1) - (b.url ? 0 : 1))
  }

  unregister() {
    this.group?.join()
    this.db.query("delete from instance where id = ?").run(this.id)
  }
}

export function isAlive(pid: number) {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as { code?: string }).code === "EPERM"
  }
}
