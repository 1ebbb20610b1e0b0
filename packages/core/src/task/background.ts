import type { Bus } from "../bus/bus"
import type { BackgroundConfig } from "../config/config"
import { modelKey } from "../provider/provider"
import { SessionIdle } from "../session/events"
import type { SessionRunner } from "../session/prompt"
import type { Store } from "../session/store"
import { ChangeSignal } from "./change-signal"
import { createChildSession } from "./child-session"
import { Delivery } from "./delivery"
import { TaskCreated, TaskDelivered, TaskUpdated } from "./events"
import type { Ledger } from "./ledger"
import { newTask, type TaskSpec } from "./new-task"
import { Scheduler } from "./scheduler"
import { TERMINAL, type TaskInfo, type TaskState } from "./task-info"
import { TaskRuns } from "./task-runs"

/** A background dispatch: the task, less the child session that dispatching creates. */
export type DispatchInput = Omit<TaskSpec, "sessionID"> & { directory: string }

export type BackgroundDeps = {
  store: Store
  ledger: Ledger
  bus: Bus
  runner: SessionRunner
  settings: BackgroundConfig
}

/**
 * Background tasks, the public face: dispatch onto the scheduler, cancel, wait and collect,
 * reconcile after a restart. One task's run is `TaskRuns`'s; bringing results to their parents
 * is `Delivery`'s; nothing outside the ledger decides whether a task is done.
 */
export class BackgroundTasks {
  readonly scheduler: Scheduler
  private readonly changes = new ChangeSignal()
  private readonly runs: TaskRuns
  private readonly delivery: Delivery
  private following = new Set<Promise<void>>()
  /** Tasks of deleted sessions still stopping: their rows are removed when they end. */
  private forgetting = new Set<string>()
  private closed = false

  constructor(private readonly deps: BackgroundDeps) {
    const s = deps.settings
    this.scheduler = new Scheduler(
      { global: s.max_running, perParent: s.max_running_per_session, perModel: s.max_running_per_model },
      (id) => queueMicrotask(() => this.closed || this.watch(this.start(id))),
    )
    this.runs = new TaskRuns({
      ...deps,
      changes: this.changes,
      closing: () => this.closed,
      end: (id, state, change) => this.end(id, state, change),
      cancel: (id, reason) => this.cancel(id, reason),
    })
    this.delivery = new Delivery({
      ...deps,
      changes: this.changes,
      isStopping: (sessionID) => this.runs.isStopping(sessionID),
    })
    deps.store.group?.onFailure(() => this.reconcile())
  }

  /** Writes the ledger row and the child session in one transaction, then queues the task. */
  dispatch(input: DispatchInput): TaskInfo {
    const { store, ledger } = this.deps
    const { directory, ...spec } = input
    const task = store.transaction(() => {
      const child = createChildSession(store, { ...spec, directory, background: true })
      return ledger.insert(newTask({ ...spec, sessionID: child.id }, "queued"))
    })
    this.deps.bus.publish(TaskCreated, { task })
    this.scheduler.enqueue({ id: task.id, parent: task.parentSessionID, model: modelKey(task.model) })
    return ledger.get(task.id)!
  }

  /**
   * Takes over a foreground task that is already running (its tool call was moved to the
   * background): the ledger row starts as running and the result is delivered like any other.
   */
  adopt(input: TaskSpec & { work: Promise<unknown> }): TaskInfo {
    const { work, ...spec } = input
    const task = this.deps.ledger.insert(newTask(spec, "running"))
    this.deps.bus.publish(TaskCreated, { task })
    this.scheduler.occupy({ id: task.id, parent: task.parentSessionID, model: modelKey(task.model) })
    this.watch(this.runs.follow(task, () => work))
    return task
  }

  /** A task by its id or its child session's id. */
  get(idOrSession: string) {
    return this.deps.ledger.get(idOrSession) ?? this.deps.ledger.bySession(idOrSession)
  }

  list(parentSessionID: string) {
    return this.deps.ledger.listByParent(parentSessionID)
  }

  /** The most recent tasks of every session, newest first. */
  listAll(limit?: number) {
    return this.deps.ledger.listAll(limit)
  }

  /** Cancels a task and every task below it. A cancelled task still delivers a "cancelled" result. */
  cancel(id: string, reason = "cancelled"): TaskInfo | undefined {
    const task = this.get(id)
    if (!task) return undefined
    if (TERMINAL.has(task.state)) return task
    for (const child of this.deps.ledger.listByParent(task.sessionID))
      this.cancel(child.id, `parent task ${task.id} was cancelled`)
    if (!this.runs.cancel(task.sessionID, reason)) this.end(task.id, "cancelled", { reason })
    return this.deps.ledger.get(task.id)
  }

  /** Cancels every unfinished task a session started (its turn was aborted, or it is being deleted). */
  cancelForParent(parentSessionID: string, reason: string) {
    for (const task of this.deps.ledger.listByParent(parentSessionID))
      if (!TERMINAL.has(task.state)) this.cancel(task.id, reason)
  }

  /**
   * For `Sessions.delete`: a deleted session's tasks are cancelled, then their rows removed; a
   * row whose run is still stopping goes when it has ended (`task.updated` says so first).
   */
  readonly onDelete = {
    before: (sessionID: string) => this.cancelForParent(sessionID, "the parent session was deleted"),
    after: (sessionIDs: string[]) => {
      const tasks = this.deps.ledger.ofSessions(sessionIDs)
      for (const task of tasks) if (!TERMINAL.has(task.state)) this.forgetting.add(task.id)
      this.deps.ledger.remove(tasks.filter((task) => TERMINAL.has(task.state)).map((task) => task.id))
    },
  }

  /** The loop's step-boundary hook: appends finished results; true when any were appended. */
  beforeStep(sessionID: string) {
    return this.delivery.atStepBoundary(sessionID)
  }

  /** The loop's idle hook: a run waiting on this session checks again; results that came meanwhile are delivered. */
  onIdle(sessionID: string) {
    this.changes.notify(sessionID)
    if (this.deps.ledger.undelivered(sessionID).length) this.delivery.arrived(sessionID)
  }

  /**
   * Takes finished results for a caller (`task_status`): each is marked collected so it is not
   * delivered again. Unfinished tasks are returned as they are.
   */
  collect(ids: string[]) {
    const { store, ledger } = this.deps
    return store.transaction(() =>
      ids.map((id) => {
        const task = this.get(id)
        if (!task || !TERMINAL.has(task.state) || task.delivery !== "pending") return task
        return ledger.claim(task.id, "collected", Date.now()) ?? ledger.get(task.id)
      }),
    )
  }

  /** Resolves when any or all of the tasks have ended, or after `timeoutMs`, or when `signal` aborts. */
  async wait(ids: string[], mode: "any" | "all", timeoutMs: number, signal?: AbortSignal) {
    const check = () => {
      const tasks = ids.map((id) => this.get(id)).filter((t): t is TaskInfo => !!t)
      const ended = tasks.filter((t) => TERMINAL.has(t.state))
      return mode === "any" ? ended.length > 0 || tasks.length === 0 : ended.length === tasks.length
    }
    if (check()) return
    await new Promise<void>((resolve) => {
      const finish = () => {
        off()
        clearTimeout(timer)
        signal?.removeEventListener("abort", finish)
        resolve()
      }
      const off = this.deps.bus.on(TaskUpdated, () => check() && finish())
      const timer = setTimeout(finish, timeoutMs)
      signal?.addEventListener("abort", finish, { once: true })
    })
  }

  /**
   * Resolves once a session has no unfinished background tasks, no undelivered results and is
   * idle: everything it delegated has come back and been answered.
   */
  async settled(sessionID: string) {
    const busy = () =>
      this.deps.ledger.hasPending(sessionID) ||
      this.deps.runner.isBusy(sessionID) ||
      this.delivery.isScheduled(sessionID)
    while (busy() && !this.closed) {
      await new Promise<void>((resolve) => {
        const off = this.deps.bus.subscribe((event) => {
          if (event.type !== TaskUpdated.name && event.type !== TaskDelivered.name && event.type !== SessionIdle.name)
            return
          off()
          resolve()
        })
      })
    }
  }

  /**
   * Resumes tasks taken over from a dead owner (`task/owners.ts`): unfinished ones are resumed
   * from their persisted transcript while attempts remain, otherwise ended as interrupted;
   * finished results that never reached their parent are delivered. Call after the dead turns'
   * parts are closed.
   */
  recover(tasks: TaskInfo[]) {
    const { settings, store } = this.deps
    const report = { resumed: [] as string[], interrupted: [] as string[], delivered: [] as string[] }
    for (const task of tasks) {
      if (task.state !== "queued" && task.state !== "running") continue
      if (task.state === "queued" || task.attempts < settings.max_attempts) {
        report.resumed.push(task.id)
        this.scheduler.enqueue({ id: task.id, parent: task.parentSessionID, model: modelKey(task.model) })
        continue
      }
      report.interrupted.push(task.id)
      this.end(task.id, "interrupted", {
        reason: `the process stopped while this task ran, ${task.attempts} time(s); it was not resumed again (max_attempts ${settings.max_attempts})`,
      })
    }
    for (const task of tasks) {
      if (!TERMINAL.has(task.state) || task.delivery !== "pending") continue
      if (!store.getSession(task.parentSessionID)) continue
      report.delivered.push(task.id)
      this.delivery.arrived(task.parentSessionID)
    }
    return report
  }

  /**
   * Stops for shutdown: no more admissions or deliveries; running children are aborted and
   * their tasks stay open in the ledger (restart recovery picks them up). Resolves when all ended.
   */
  async close() {
    this.closed = true
    this.delivery.close()
    for (const sessionID of this.runs.sessions()) {
      this.deps.runner.abort(sessionID)
      this.changes.notify(sessionID)
    }
    while (this.following.size) await Promise.allSettled([...this.following])
  }

  /** An admitted task starts its run, unless something ended it while it was queued. */
  private async start(id: string) {
    const task = this.deps.ledger.transition(id, "running", (t) => ({
      ...t,
      attempts: t.attempts + 1,
      time: { ...t.time, started: Date.now() },
    }))
    if (!task) return this.scheduler.release(id)
    this.deps.bus.publish(TaskUpdated, { task })
    await this.runs.run(task)
  }

  /** Ends a task: final state in the ledger, its slot freed, its result on its way to the parent. */
  private end(id: string, state: TaskState, change: Partial<TaskInfo>) {
    const task = this.deps.ledger.transition(id, state, (t) => ({
      ...t,
      ...change,
      time: { ...t.time, ended: Date.now() },
    }))
    this.scheduler.release(id)
    if (!task) return
    this.deps.bus.publish(TaskUpdated, { task })
    if (this.forgetting.delete(id)) return this.deps.ledger.remove([id])
    this.delivery.arrived(task.parentSessionID)
    this.changes.notify(task.parentSessionID)
  }

  /**
   * After a failed commit rolled writes back: a run or queue entry whose task the ledger no
   * longer has (or has as finished) stops, so nothing claims to run what is not recorded.
   */
  private reconcile() {
    const { ledger } = this.deps
    for (const sessionID of this.runs.sessions()) {
      const task = ledger.bySession(sessionID)
      if (!task || TERMINAL.has(task.state)) this.runs.cancel(sessionID, "its record was not stored")
    }
    for (const id of this.scheduler.ids()) {
      const task = ledger.get(id)
      if (!task || TERMINAL.has(task.state)) this.scheduler.release(id)
    }
  }

  private watch(promise: Promise<void>) {
    this.following.add(promise)
    void promise.finally(() => this.following.delete(promise))
  }
}
