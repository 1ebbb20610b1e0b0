import type { Bus } from "../bus/bus"
import type { BackgroundConfig } from "../config/config"
import { PartUpdated } from "../session/events"
import { lastAssistant } from "../session/final-answer"
import type { Part } from "../session/message"
import type { SessionRunner } from "../session/prompt"
import type { Store } from "../session/store"
import type { ChangeSignal } from "./change-signal"
import { TaskProgress } from "./events"
import type { Ledger } from "./ledger"
import { LiveTask } from "./live-task"
import type { TaskInfo, TaskState } from "./task-info"
import { taskOutcome } from "./task-outcome"
import { Throttle } from "./throttle"

export type TaskRunsDeps = {
  store: Store
  ledger: Ledger
  bus: Bus
  runner: SessionRunner
  settings: BackgroundConfig
  /** Notified for a session when its delegated work changed; a run waits on it for its own tasks. */
  changes: ChangeSignal
  /** Whether the engine is shutting down: a task it interrupts stays open for the next start. */
  closing(): boolean
  /** Ends a task in the ledger and sends its result on its way. */
  end(id: string, state: TaskState, change: Partial<TaskInfo>): void | Promise<void>
  /** Cancels a task and its descendants. */
  cancel(id: string, reason: string): void
  /** A run whose task another process took over stopped: its slot is freed, nothing else. */
  lost(id: string): void
}

/**
 * One task's run, for every running task: follows the child's loop to its end and waits for the
 * child's own background results to come back, enforces the task's budgets, publishes its
 * progress at a throttled pace, and ends it with the outcome `taskOutcome` decides.
 */
export class TaskRuns {
  /** Running tasks by child session: their figures and their throttled progress events. */
  private running = new Map<string, { live: LiveTask; progress: Throttle }>()

  constructor(private readonly deps: TaskRunsDeps) {
    deps.bus.on(PartUpdated, ({ part }) => this.track(part))
  }

  /** Runs an admitted task's child: its first prompt, or the transcript a previous process left. */
  run(task: TaskInfo) {
    const { runner, store, settings } = this.deps
    if (settings.max_steps) runner.limitSteps(task.sessionID, settings.max_steps)
    const started = store.lastUserMessage(task.sessionID) !== undefined
    return this.follow(task, () =>
      started
        ? runner.resume(task.sessionID, { force: true })
        : runner.prompt(task.sessionID, {
            agent: task.agent,
            model: task.model,
            parts: [{ type: "text", text: task.prompt }],
          }),
    )
  }

  /**
   * Follows `work` (the child's loop) and then waits until everything the child delegated has come
   * back, unless a cancel or budget stops it first; then ends the task.
   */
  async follow(task: TaskInfo, work: () => Promise<unknown>) {
    const { runner, store, ledger, settings, changes } = this.deps
    const live = new LiveTask(task)
    const progress = new Throttle(settings.progress_interval_ms, () =>
      this.deps.bus.publish(TaskProgress, live.progress()),
    )
    this.running.set(task.sessionID, { live, progress })
    const wall = settings.max_duration_ms
      ? setTimeout(
          () => this.budgetReached(task.sessionID, `time budget of ${settings.max_duration_ms} ms reached`),
          settings.max_duration_ms,
        )
      : undefined
    let failure: string | undefined
    try {
      await work()
      // A steering message or a delivered result may have resumed the child's loop meanwhile.
      while (!live.stop && (ledger.hasPending(task.sessionID) || runner.isBusy(task.sessionID)))
        await changes.next(task.sessionID)
    } catch (error) {
      failure = error instanceof Error ? error.message : String(error)
    } finally {
      clearTimeout(wall)
      progress.cancel()
      runner.limitSteps(task.sessionID, undefined)
      this.running.delete(task.sessionID)
    }
    // Fenced: a task taken over meanwhile is the new owner's to end and deliver (docs/reliability.md).
    if (live.lost || !ledger.owns(task.id, task.attempts)) return this.deps.lost(task.id)
    const outcome = taskOutcome({
      stop: live.stop,
      failure,
      last: lastAssistant(store.messages(task.sessionID)),
      closing: this.deps.closing(),
      maxSteps: settings.max_steps,
    })
    if (outcome.kind === "left-open") {
      const current = ledger.get(task.id)
      if (current) ledger.save({ ...current, usage: live.usage() })
      return
    }
    const { state, result, reason, error } = outcome
    await this.deps.end(task.id, state, { result, reason, error, usage: live.usage() })
  }

  /** Cancels the running task of a session: its loop is aborted and it ends as cancelled. False when none runs. */
  cancel(sessionID: string, reason: string) {
    const live = this.running.get(sessionID)?.live
    if (!live) return false
    live.stop = { state: "cancelled", reason }
    this.deps.runner.abort(sessionID)
    this.deps.changes.notify(sessionID)
    return true
  }

  /**
   * Stops the runs of tasks that another process owns now (it took them over while this one
   * looked dead): each child's loop is aborted and its run ends without a word. Returns the
   * tasks stopped.
   */
  fence(): string[] {
    const lost = [...this.running.values()].filter(
      ({ live }) => !live.lost && !this.deps.ledger.owns(live.task.id, live.task.attempts),
    )
    for (const { live } of lost) {
      live.lost = true
      live.stop ??= { state: "cancelled", reason: "taken over by another process" }
      this.deps.runner.abort(live.task.sessionID)
      this.deps.changes.notify(live.task.sessionID)
    }
    return lost.map(({ live }) => live.task.id)
  }

  /** Whether the session's task was taken over by another process while it ran here. */
  isLost(sessionID: string) {
    return this.running.get(sessionID)?.live.lost === true
  }

  /** Whether the session's task is being ended by a cancel or a budget. */
  isStopping(sessionID: string) {
    return this.running.get(sessionID)?.live.stop !== undefined
  }

  /** The child sessions of the running tasks. */
  sessions() {
    return [...this.running.keys()]
  }

  /** A budget ran out: the task ends completed with its partial result, and its own tasks are cancelled. */
  private budgetReached(sessionID: string, reason: string) {
    const live = this.running.get(sessionID)?.live
    if (!live || live.stop) return
    live.stop = { state: "completed", reason }
    this.deps.runner.abort(sessionID)
    for (const child of this.deps.ledger.listByParent(sessionID))
      this.deps.cancel(child.id, `parent task ended: ${reason}`)
    this.deps.changes.notify(sessionID)
  }

  /** Follows a running child's parts: figures, the token budget, and throttled progress. */
  private track(part: Part) {
    const running = this.running.get(part.sessionID)
    if (!running) return
    running.live.record(part)
    const budget = this.deps.settings.max_tokens
    if (part.type === "step-finish" && budget && running.live.spentTokens() >= budget)
      this.budgetReached(part.sessionID, `token budget of ${budget} reached`)
    running.progress.call()
  }
}
