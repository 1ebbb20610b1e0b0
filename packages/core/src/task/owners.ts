import type { Bus } from "../bus/bus"
import { closeInterrupted } from "../session/close-interrupted"
import { SessionStatusChanged } from "../session/events"
import type { ToolPart } from "../session/message"
import type { Store } from "../session/store"
import { HEARTBEAT_MS, Instances } from "../storage/instances"
import { Leases } from "../storage/leases"
import type { WriteGroup } from "../storage/write-group"
import type { BackgroundTasks } from "./background"
import { settleDispatchParts } from "./dispatch-part"
import type { RecoveryReport } from "./recovery"

export type OwnersDeps = {
  instances: Instances
  leases: Leases
  store: Store
  bus: Bus
  background: BackgroundTasks
  /** Heartbeat period; `HEARTBEAT_MS` by default. */
  heartbeatMs?: number
}

const REASON = "the process that ran this stopped before it finished"

/**
 * This process as an owner of work: registers it, records each of its open turns, renews its
 * lease every heartbeat and, at start and on every heartbeat, takes over the open work of its
 * project whose owner died (`Leases`), then resumes it the way a restart does: dangling parts of
 * the dead turns closed, tasks resumed or interrupted, finished results delivered. Work of other
 * projects is theirs; a process of another project never holds it up.
 */
export class Owners {
  private timer: ReturnType<typeof setInterval> | undefined
  private turns = new Set<string>()
  private stopped = false
  private readonly off: () => void
  /** Told what each take-over after start did (not called when one found nothing). Must not throw. */
  onTakeOver: (report: RecoveryReport) => void = () => {}

  constructor(private readonly deps: OwnersDeps) {
    this.off = deps.bus.on(SessionStatusChanged, ({ sessionID, status }) =>
      this.turn(sessionID, status.type !== "idle"),
    )
  }

  get id() {
    return this.deps.instances.id
  }

  /** Registers this process and takes over what dead owners of its project left; then keeps watch. */
  start(options: { watch: boolean }): RecoveryReport {
    this.deps.instances.register()
    this.deps.instances.reap()
    const report = this.takeOver(true)
    if (options.watch) {
      this.timer = setInterval(() => this.beat(), this.deps.heartbeatMs ?? HEARTBEAT_MS)
      this.timer.unref?.()
    }
    return report
  }

  /**
   * A heartbeat from the timer: a storage fault (the file locked past `busy_timeout`, a disk
   * error) skips this beat and is reported; the next beat tries again, and the lease outlasts
   * several missed ones.
   */
  private beat() {
    try {
      this.heartbeat()
    } catch (error) {
      console.error("tandem: a lease renewal or take-over failed; retrying at the next heartbeat", error)
    }
  }

  /** One heartbeat: renew the lease, forget dead processes, take over their work if there is any. */
  heartbeat() {
    if (this.stopped) return
    const { instances, leases } = this.deps
    if (!instances.renew())
      console.error(
        "tandem: this process's lease had expired (was it suspended?); other processes may have taken over its tasks",
      )
    const lost = this.deps.background.fence()
    if (lost.length)
      console.error(`tandem: ${lost.length} task(s) were taken over by another process; their runs here stopped`)
    instances.reap()
    if (!leases.hasOrphans()) return
    const report = this.takeOver(false)
    if (report.closed.length || report.resumed.length || report.interrupted.length || report.delivered.length)
      this.onTakeOver(report)
  }

  /**
   * Claims the orphaned turns and tasks of this project in one transaction (closing the dead
   * turns' open parts in it, and bringing their dispatch parts up to their tasks), then resumes the tasks. At start, sessions with open parts and no
   * turn row at all (left by a version that did not record turns) are closed too.
   */
  takeOver(initial: boolean): RecoveryReport {
    const { store, leases, instances, background } = this.deps
    const { closed, tasks } = store.transaction(() => {
      const dead = leases.claimTurns(instances.directory)
      if (initial) leases.forgetSessionless()
      const answered: ToolPart[] = []
      const scope = initial ? { directory: instances.directory } : { sessions: dead }
      const closed = closeInterrupted(store, REASON, scope, (part) => answered.push(part))
      settleDispatchParts(store, (id) => background.get(id), answered)
      return { closed, tasks: leases.claimTasks(instances.directory) }
    })
    return { closed, ...background.recover(tasks) }
  }

  /** What happens to this process's unfinished tasks once it exits, for it to say so. */
  leaving() {
    const tasks = this.deps.leases.ownedOpen()
    const server = this.deps.instances.peers().find((row) => row.url)
    return { tasks, server: server?.url ?? undefined }
  }

  /** Records the URL this process serves on, so others can name it. */
  serving(url: string) {
    this.deps.instances.serving(url)
  }

  /** Stops watching and removes this process's row: its open work is free for others from now on. */
  stop() {
    this.stopped = true
    clearInterval(this.timer)
    this.off()
    this.deps.instances.unregister()
  }

  private turn(sessionID: string, open: boolean) {
    if (this.stopped || open === this.turns.has(sessionID)) return
    if (open) {
      this.turns.add(sessionID)
      this.deps.leases.beginTurn(sessionID)
    } else {
      this.turns.delete(sessionID)
      this.deps.leases.endTurn(sessionID)
    }
  }
}

/** Builds the owner of this process's work over one store: its instance row and its leases. */
export function ownersOf(db: ConstructorParameters<typeof Leases>[0], directory: string, writes: WriteGroup) {
  const instances = new Instances(db, directory, process.pid, () => Date.now(), writes)
  return { instances, leases: new Leases(db, instances.id, writes) }
}
