import type { Bus } from "../bus/bus"
import type { BackgroundConfig } from "../config/config"
import { ascending } from "../id/id"
import { modelKey } from "../provider/provider"
import type { SessionRunner } from "../session/prompt"
import type { Store } from "../session/store"
import { ChangeSignal } from "./change-signal"
import { createChildSession } from "./child-session"
import { Delivery, type DeliveryDeps } from "./delivery"
import { TaskCreated, TaskUpdated } from "./events"
import type { Ledger } from "./ledger"
import { newTask, type TaskSpec } from "./new-task"
import { Scheduler } from "./scheduler"
import { Steering } from "./steering"
import { TERMINAL, type TaskInfo, type TaskState } from "./task-info"
import { TaskRuns } from "./task-runs"
import type { Workspaces } from "./workspaces"
import { treeUsage } from "./tree-usage"
import { waitForTasks, waitUntilSettled } from "./wait-tasks"
import { recoveryPlan } from "./recovery"
import { reconcileWithLedger } from "./reconcile"

/** A background dispatch: the task, less the child session that dispatching creates (whose id the task takes). */
export type DispatchInput = Omit<TaskSpec, "sessionID"> & { directory: string }

export type BackgroundDeps = Pick<DeliveryDeps, "turns"> & {
  store: Store
  ledger: Ledger
  bus: Bus
  runner: SessionRunner
  settings: BackgroundConfig
  /** Where children work: isolated worktrees, and what each child changed. */
  workspaces: Workspaces
}

/**
 * Background tasks, the public face: dispatch onto the scheduler, cancel, wait and collect,
 * reconcile after a restart. One task's run is `TaskRuns`'s; bringing results to their parents
 * is `Delivery`'s; nothing outside the ledger decides whether a task is done.
 */
export class BackgroundTasks {
  readonly scheduler: Scheduler
  readonly workspaces: Workspaces
  /** Messages to running children, taken at their step boundaries. */
  readonly steering: Steering
  private readonly changes = new ChangeSignal()
  private readonly runs: TaskRuns
  private readonly delivery: Delivery
  private following = new Set<Promise<void>>()
  /** Tasks whose changes are being brought back: they are ending, a cancel has nothing left to stop. */
  private settling = new Set<string>()
  /** Tasks of deleted sessions still stopping: their rows are removed when they end. */
  private forgetting = new Set<string>()
  private swept = false
  private closed = false

  constructor(private readonly deps: BackgroundDeps) {
    this.workspaces = deps.workspaces
    const s = deps.settings
    this.scheduler = new Scheduler(
      { global: s.max_running, perParent: s.max_running_per_session, perModel: s.max_running_per_model },
      (id) => queueMicrotask(() => this.closed || this.watch(this.start(id))),
    )
    this.runs = new TaskRuns({
      ...deps,
      changes: this.changes,
      closing: () => this.closed,
      end: (id, state, change) => this.settle(id, state, change),
      cancel: (id, reason) => this.cancel(id, reason),
      lost: (id) => this.scheduler.release(id),
    })
    this.steering = new Steering({
      ...deps,
      mayResume: (sessionID) => !this.closed && !this.runs.isStopping(sessionID),
    })
    this.delivery = new Delivery({
      ...deps,
      changes: this.changes,
      isStopping: (sessionID) => this.runs.isStopping(sessionID),
    })
    deps.store.group?.onFailure(() =>
      reconcileWithLedger({ ledger: deps.ledger, runs: this.runs, scheduler: this.scheduler }),
    )
  }

  /** Writes the ledger row and the child session in one transaction, then queues the task. */
  dispatch(input: DispatchInput): TaskInfo {
    const { store, ledger } = this.deps
    const { directory, ...spec } = input
    const task = store.transaction(() => {
      const child = createChildSession(store, { ...spec, directory, background: true })
      return ledger.insert(newTask({ ...spec, id: undefined, sessionID: child.id }, "queued"))
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
    // A child continued with task_id may have a row already (an earlier background run): the id is the session's once.
    const id = this.deps.ledger.get(spec.sessionID) ? ascending("task") : spec.sessionID
    const task = this.deps.ledger.insert(newTask({ ...spec, id }, "running"))
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
    if (TERMINAL.has(task.state) || this.settling.has(task.id)) return task
    for (const child of this.deps.ledger.listByParent(task.sessionID))
      this.cancel(child.id, `parent task ${task.id} was cancelled`)
    if (this.runs.cancel(task.sessionID, reason)) return this.deps.ledger.get(task.id)
    // Not running here: it may run in another process, which loses it and stops (the fence).
    this.deps.ledger.take(task.id)
    this.end(task.id, "cancelled", { reason })
    if (task.worktree) this.watch(this.deps.workspaces.discard(task.worktree))
    return this.deps.ledger.get(task.id)
  }

  /** Cancels every unfinished task a session started (its turn was aborted, or it is being deleted). */
  cancelForParent(parentSessionID: string, reason: string) {
    for (const task of this.deps.ledger.listByParent(parentSessionID))
      if (!TERMINAL.has(task.state)) this.cancel(task.id, reason)
  }

  /** For `Sessions.delete`: tasks cancelled, rows removed (a stopping run's once it ended, after its `task.updated`). */
  readonly onDelete = {
    before: (sessionID: string) => this.cancelForParent(sessionID, "the parent session was deleted"),
    after: (sessionIDs: string[]) => {
      const tasks = this.deps.ledger.ofSessions(sessionIDs)
      for (const task of tasks) if (!TERMINAL.has(task.state)) this.forgetting.add(task.id)
      this.deps.ledger.remove(tasks.filter((task) => TERMINAL.has(task.state)).map((task) => task.id))
    },
  }

  /**
   * The loop's step-boundary hook: appends finished results, then steering messages (so the
   * model reads what the user said after the results it is answering); true when any were.
   */
  beforeStep(sessionID: string) {
    const delivered = this.delivery.atStepBoundary(sessionID)
    return this.steering.atStepBoundary(sessionID) || delivered
  }

  /** The loop's abort hook: an aborted child's task is cancelled; its own tasks too with `cancel_on_abort`. */
  onAbort(sessionID: string) {
    if (this.runs.isLost(sessionID)) return
    if (this.deps.settings.cancel_on_abort) this.cancelForParent(sessionID, "the parent's turn was aborted")
    this.abortedChild(sessionID)
  }

  /**
   * A client aborted an unfinished task's child (busy, idle waiting on its own tasks, or still
   * queued behind the caps): the task is cancelled.
   */
  abortedChild(sessionID: string) {
    if (this.closed || this.runs.isStopping(sessionID)) return
    const own = this.deps.ledger.bySession(sessionID)
    if (own && !TERMINAL.has(own.state)) this.cancel(own.id, "the child's session was aborted")
  }

  /** Stops the runs here of tasks another process took over (`TaskRuns.fence`); returns their ids. */
  fence = () => this.runs.fence()

  /** Usage of a session and all its descendants, with its running tasks; undefined for an unknown session. */
  usage(sessionID: string) {
    return treeUsage(this.deps.store, this.deps.ledger, sessionID)
  }

  /** The loop's idle hook: a run waiting on this session checks again; results that came meanwhile are delivered. */
  onIdle(sessionID: string) {
    this.changes.notify(sessionID)
    if (this.deps.ledger.undelivered(sessionID).length) this.delivery.arrived(sessionID)
  }

  /** Takes finished results for `task_status`, marked collected so they are not delivered again. */
  collect(ids: string[]) {
    return this.delivery.collect(ids.map((id) => this.get(id)))
  }

  /** Resolves when any or all of the tasks have ended, or after `timeoutMs`, or when `signal` aborts. */
  wait(ids: string[], mode: "any" | "all", timeoutMs: number, signal?: AbortSignal) {
    return waitForTasks({ bus: this.deps.bus, get: (id) => this.get(id), ids, mode, timeoutMs, signal })
  }

  /**
   * Resolves once a session has no unfinished background tasks, no undelivered results and is
   * idle: everything it delegated has come back and been answered.
   */
  settled(sessionID: string) {
    const { ledger, runner, bus } = this.deps
    const busy = () => ledger.hasPending(sessionID) || runner.isBusy(sessionID) || this.delivery.isScheduled(sessionID)
    return waitUntilSettled({ bus, busy: () => busy() && !this.closed })
  }

  /**
   * Resumes tasks taken over from a dead owner (`task/owners.ts`): unfinished ones are resumed
   * from their persisted transcript while attempts remain, otherwise ended as interrupted;
   * finished results that never reached their parent are delivered. Call after the dead turns'
   * parts are closed.
   */
  recover(tasks: TaskInfo[]) {
    const { settings, store } = this.deps
    const plan = recoveryPlan(tasks, settings.max_attempts, (id) => store.getSession(id) !== undefined)
    for (const task of plan.resume)
      this.scheduler.enqueue({ id: task.id, parent: task.parentSessionID, model: modelKey(task.model) })
    for (const { task, reason } of plan.interrupt) this.end(task.id, "interrupted", { reason })
    // Worktrees a dead process left: swept once, at the first take-over (the one at start).
    if (!this.swept) this.watch(this.deps.workspaces.sweep((id) => this.get(id)).then(() => undefined))
    this.swept = true
    for (const task of plan.deliver) this.delivery.arrived(task.parentSessionID)
    return {
      resumed: plan.resume.map((task) => task.id),
      interrupted: plan.interrupt.map(({ task }) => task.id),
      delivered: plan.deliver.map((task) => task.id),
    }
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
    if (task.worktree && !(await this.deps.workspaces.ensure(task.worktree)))
      return this.end(id, "error", { error: `the worktree ${task.worktree.path} is gone and could not be recreated` })
    await this.runs.run(task)
  }

  /** A run ended: what the child changed is brought back (merged, for an isolated child), then the task ends. */
  private async settle(id: string, state: TaskState, change: Partial<TaskInfo>) {
    const task = this.deps.ledger.get(id)
    if (!task) return this.end(id, state, change)
    this.settling.add(id)
    const changes = await this.deps.workspaces.settle(task).finally(() => this.settling.delete(id))
    this.end(id, state, changes ? { ...change, changes } : change)
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

  private watch(promise: Promise<void>) {
    this.following.add(promise)
    void promise.finally(() => this.following.delete(promise))
  }
}
