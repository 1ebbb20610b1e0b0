import { migrate, type Db } from "./db"

/**
 * Engines that have the store open: a row per process, removed on close. A row whose process
 * is gone belongs to one that died. Recovery of a dead process's work is only safe when no
 * other engine is still alive on the same store, since open tasks and tool parts carry no owner.
 */
export class Instances {
  constructor(
    private db: Db,
    readonly pid = process.pid,
  ) {
    migrate(db, "instance-1", "create table instance (pid integer primary key, started integer not null)")
  }

  /** Forgets dead processes, registers this one, and says which other live ones remain. */
  register(alive: (pid: number) => boolean = isAlive) {
    const others = (this.db.query("select pid from instance where pid != ?").all(this.pid) as { pid: number }[]).map(
      (r) => r.pid,
    )
    const dead = others.filter((pid) => !alive(pid))
    this.db.transaction(() => {
      for (const pid of dead) this.db.query("delete from instance where pid = ?").run(pid)
      this.db.query("insert or replace into instance (pid, started) values (?, ?)").run(this.pid, Date.now())
    })()
    return others.filter((pid) => !dead.includes(pid))
  }

  unregister() {
    this.db.query("delete from instance where pid = ?").run(this.pid)
  }
}

function isAlive(pid: number) {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as { code?: string }).code === "EPERM"
  }
}
