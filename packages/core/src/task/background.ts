import type { Bus } from "../bus/bus"
import type { BackgroundConfig } from "../config/config"
import { ascending } from "../id/id"
import { modelKey } from "../provider/provider"
import { PartUpdated, SessionIdle } from "../session/events"
import { finalAnswer, lastAssistant } from "../session/final-answer"
import { addTokens, emptyTokens, type AssistantMessage, type ModelRef, type ToolPart } from "../session/message"
import type { SessionRunner } from "../session/prompt"
import type { Store } from "../session/store"
import { TaskCreated, TaskDelivered, TaskProgress, TaskUpdated } from "./events"
import { resultText } from "./format"
import type { Ledger } from "./ledger"
import { Scheduler } from "./scheduler"
import { TERMINAL, type TaskInfo, type TaskState } from "./task-info"

export type DispatchInput = {
  parentSessionID: string
  parentMessageID: string
  parentCallID: string
  agent: string
  model: ModelRef
  description: string
  prompt: string
  directory: string
}

/** A running task's live figures, kept in memory; the ledger holds what must survive. */
type Live = {
  taskID: string
  parentSessionID: string
  steps: number
  toolCalls: number
  tool?: string
  tokens: ReturnType<typeof emptyTokens>
  cost: number
  lastActivity: number
  lastPublished: number
  trailing?: ReturnType<typeof setTimeout>
  wall?: ReturnType<typeof setTimeout>
  seenTools: Set<string>
  /** Set when a cancel or a budget ends the task: the state and reason it ends with. */
  stop?: { state: TaskState; reason: string }
}

/**
 * Background tasks: dispatch onto the scheduler, run each child's prompt loop detached from the
 * parent's, report progress on the bus, and deliver each result to its parent exactly once as
 * a synthetic `task` tool part.
 */
export class BackgroundTasks {
  readonly scheduler: Scheduler
  private live = new Map<string, Live>()
  private idleTimers = new Map<string, ReturnType<typeof setTimeout>>()
  private following = new Set<Promise<void>>()
  private closed = false

  constructor(
    private deps: { store: Store; ledger: Ledger; bus: Bus; runner: SessionRunner; settings: BackgroundConfig },
  ) {
    const s = deps.settings
    this.scheduler = new Scheduler(
      { global: s.max_running, perParent: s.max_running_per_session, perModel: s.max_running_per_model },
      (id) => queueMicrotask(() => this.closed || this.watch(this.run(id))),
    )
    deps.bus.on(PartUpdated, ({ part }) => this.track(part))
  }

  /** Writes the ledger row and the child session in one transaction, then queues the task. */
  dispatch(input: DispatchInput): TaskInfo {
    const { store, ledger } = this.deps
    const now = Date.now()
    const task = store.transaction(() => {
      const child = store.createSession({
        parentID: input.parentSessionID,
        directory: input.directory,
        title: `${input.description} (@${input.agent} background)`,
        agent: input.agent,
      })
      return ledger.insert({
        id: ascending("task", now),
        parentSessionID: input.parentSessionID,
        parentMessageID: input.parentMessageID,
        parentCallID: input.parentCallID,
        sessionID: child.id,
        agent: input.agent,
        model: input.model,
        description: input.description,
        prompt: input.prompt,
        state: "queued",
        attempts: 0,
        usage: { tokens: emptyTokens(), cost: 0, steps: 0 },
        time: { created: now },
        delivery: "pending",
      })
    })
    this.deps.bus.publish(TaskCreated, { task })
    this.scheduler.enqueue({
      id: task.id,
      parent: task.parentSessionID,
      model: modelKey(task.model),
    })
    return this.deps.ledger.get(task.id)!
  }

  get(idOrSession: string) {
    return this.deps.ledger.get(idOrSession) ?? this.deps.ledger.bySession(idOrSession)
  }

  list(parentSessionID: string) {
    return this.deps.ledger.listByParent(parentSessionID)
  }

  /** Cancels a task and every task below it. A cancelled task still delivers a "cancelled" result. */
  cancel(id: string, reason = "cancelled"): TaskInfo | undefined {
    const task = this.get(id)
    if (!task) return undefined
    if (TERMINAL.has(task.state)) return task
    for (const child of this.deps.ledger.listByParent(task.sessionID))
      this.cancel(child.id, `parent task ${task.id} was cancelled`)
    const live = this.live.get(task.sessionID)
    if (live) {
      live.stop = { state: "cancelled", reason }
      this.deps.runner.abort(task.sessionID)
      this.wakeIdle(task.sessionID)
      return this.deps.ledger.get(task.id)
    }
    this.end(task.id, "cancelled", { reason })
    return this.deps.ledger.get(task.id)
  }

  /** Cancels every unfinished task a session started (its turn was aborted, or it is being deleted). */
  cancelForParent(parentSessionID: string, reason: string) {
    for (const task of this.deps.ledger.listByParent(parentSessionID))
      if (!TERMINAL.has(task.state)) this.cancel(task.id, reason)
  }

  /** Step-boundary hook of the prompt loop: appends finished results; true when any were appended. */
  beforeStep(sessionID: string) {
    if (this.closed) return false
    return this.deliver(sessionID, "step")
  }

  /** Idle hook of the prompt loop: results that arrived while it was finishing are delivered now. */
  onIdle(sessionID: string) {
    this.wakeIdle(sessionID)
    if (this.deps.ledger.undelivered(sessionID).length) this.arrived(sessionID)
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

  /** Resolves when `done` holds for the tasks, or after `timeoutMs`; returns the tasks as they are. */
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
   * Takes over a foreground task that is already running (its tool call was moved to the
   * background): the ledger row starts as running and the result is delivered like any other.
   */
  adopt(input: DispatchInput & { sessionID: string; work: Promise<unknown> }): TaskInfo {
    const now = Date.now()
    const task = this.deps.ledger.insert({
      id: ascending("task", now),
      parentSessionID: input.parentSessionID,
      parentMessageID: input.parentMessageID,
      parentCallID: input.parentCallID,
      sessionID: input.sessionID,
      agent: input.agent,
      model: input.model,
      description: input.description,
      prompt: input.prompt,
      state: "running",
      attempts: 1,
      usage: { tokens: emptyTokens(), cost: 0, steps: 0 },
      time: { created: now, started: now },
      delivery: "pending",
    })
    this.deps.bus.publish(TaskCreated, { task })
    this.scheduler.occupy({
      id: task.id,
      parent: task.parentSessionID,
      model: modelKey(task.model),
    })
    this.watch(this.follow(task, () => input.work))
    return task
  }

  /**
   * Stops for shutdown: no more admissions or deliveries; running children are aborted and
   * their tasks end as interrupted (restart recovery picks them up). Resolves when all ended.
   */
  async close() {
    this.closed = true
    for (const timer of this.idleTimers.values()) clearTimeout(timer)
    this.idleTimers.clear()
    for (const sessionID of this.live.keys()) {
      this.deps.runner.abort(sessionID)
      this.wakeIdle(sessionID)
    }
    while (this.following.size) await Promise.allSettled([...this.following])
  }

  /**
   * Reconciles the ledger after a start: tasks a dead process left queued or running are resumed
   * from their persisted transcript while attempts remain, otherwise ended as interrupted;
   * finished results that never reached their parent are delivered. Call once, after
   * `closeInterrupted`, before serving.
   */
  recover() {
    const { ledger, settings } = this.deps
    const report = { resumed: [] as string[], interrupted: [] as string[], delivered: [] as string[] }
    for (const task of ledger.open()) {
      if (task.state === "queued" || task.attempts < settings.max_attempts) {
        report.resumed.push(task.id)
        this.scheduler.enqueue({
          id: task.id,
          parent: task.parentSessionID,
          model: modelKey(task.model),
        })
        continue
      }
      report.interrupted.push(task.id)
      this.end(task.id, "interrupted", {
        reason: `the process stopped while this task ran, ${task.attempts} time(s); it was not resumed again (max_attempts ${settings.max_attempts})`,
      })
    }
    for (const task of ledger.undelivered()) {
      if (!report.interrupted.includes(task.id)) report.delivered.push(task.id)
      this.arrived(task.parentSessionID)
    }
    return report
  }

  private watch(promise: Promise<void>) {
    this.following.add(promise)
    void promise.finally(() => this.following.delete(promise))
  }

  private async run(id: string) {
    const { ledger, runner, bus, settings } = this.deps
    const task = ledger.transition(id, "running", (t) => ({
      ...t,
      attempts: t.attempts + 1,
      time: { ...t.time, started: Date.now() },
    }))
    if (!task) {
      this.scheduler.release(id)
      return
    }
    bus.publish(TaskUpdated, { task })
    if (settings.max_steps) runner.limitSteps(task.sessionID, settings.max_steps)
    const started = this.deps.store.lastUserMessage(task.sessionID) !== undefined
    await this.follow(task, () =>
      started
        ? runner.resume(task.sessionID, { force: true })
        : runner.prompt(task.sessionID, {
            agent: task.agent,
            model: task.model,
            parts: [{ type: "text", text: task.prompt }],
          }),
    )
  }

  /** Runs (or waits for) a task's child loop and its own background children, then ends the task. */
  private async follow(task: TaskInfo, work: () => Promise<unknown>) {
    const { runner, store, settings } = this.deps
    const live: Live = {
      taskID: task.id,
      parentSessionID: task.parentSessionID,
      steps: 0,
      toolCalls: 0,
      tokens: emptyTokens(),
      cost: 0,
      lastActivity: Date.now(),
      lastPublished: 0,
      seenTools: new Set(),
    }
    this.live.set(task.sessionID, live)
    if (settings.max_duration_ms)
      live.wall = setTimeout(
        () => this.stop(task.sessionID, `time budget of ${settings.max_duration_ms} ms reached`),
        settings.max_duration_ms,
      )
    let failure: string | undefined
    try {
      await work()
      while (!live.stop && this.outstanding(task.sessionID)) await this.idleOnce(task.sessionID)
    } catch (error) {
      failure = error instanceof Error ? error.message : String(error)
    } finally {
      clearTimeout(live.wall)
      clearTimeout(live.trailing)
      runner.limitSteps(task.sessionID, undefined)
      this.live.delete(task.sessionID)
    }
    if (this.closed && !live.stop) {
      // Shutting down: the task stays open in the ledger and is resumed on the next start.
      const current = this.deps.ledger.get(task.id)
      if (current)
        this.deps.ledger.save({ ...current, usage: { tokens: live.tokens, cost: live.cost, steps: live.steps } })
      return
    }
    const last = lastAssistant(store.messages(task.sessionID))
    const info = last?.info as AssistantMessage | undefined
    const result = finalAnswer(last)
    const stepLimited = !live.stop && !failure && info?.finish === "tool-calls" && !info.error
    const state: TaskState = live.stop?.state ?? (failure || info?.error ? "error" : "completed")
    const reason =
      live.stop?.reason ??
      (stepLimited ? `step budget of ${settings.max_steps} reached; the result is partial` : undefined)
    this.end(task.id, state, {
      result,
      reason,
      error: state === "error" ? (failure ?? info?.error?.data.message) : undefined,
      usage: { tokens: live.tokens, cost: live.cost, steps: live.steps },
    })
  }

  /** Ends a task with a budget reason: its partial result is kept and delivered. */
  private stop(sessionID: string, reason: string) {
    const live = this.live.get(sessionID)
    if (!live || live.stop) return
    live.stop = { state: "completed", reason }
    this.deps.runner.abort(sessionID)
    for (const child of this.deps.ledger.listByParent(sessionID)) this.cancel(child.id, `parent task ended: ${reason}`)
    this.wakeIdle(sessionID)
  }

  private end(id: string, state: TaskState, change: Partial<TaskInfo>) {
    const task = this.deps.ledger.transition(id, state, (t) => ({
      ...t,
      ...change,
      time: { ...t.time, ended: Date.now() },
    }))
    this.scheduler.release(id)
    if (!task) return
    this.deps.bus.publish(TaskUpdated, { task })
    this.arrived(task.parentSessionID)
    this.wakeIdle(task.parentSessionID)
  }

  /**
   * A result is waiting for `parentSessionID`: a busy loop drains it at its next step boundary;
   * an idle parent gets it after `coalesce_ms`, so results that end close together go in one
   * turn. When no task of the parent is left unfinished, nothing more can join the turn, and
   * what waits is delivered at once.
   */
  private arrived(parentSessionID: string) {
    if (this.closed) return
    if (this.deps.runner.isBusy(parentSessionID)) return
    const last = !this.deps.ledger.hasUnfinished(parentSessionID)
    const waiting = this.idleTimers.get(parentSessionID)
    if (waiting && !last) return
    clearTimeout(waiting)
    this.idleTimers.set(
      parentSessionID,
      setTimeout(
        () => {
          this.idleTimers.delete(parentSessionID)
          if (this.deps.runner.isBusy(parentSessionID)) return
          if (!this.deliver(parentSessionID, "idle")) return
          if (this.deps.settings.resume_parent && this.canResume(parentSessionID))
            void this.deps.runner.resume(parentSessionID)
          else this.wakeIdle(parentSessionID)
        },
        last ? 0 : this.deps.settings.coalesce_ms,
      ),
    )
  }

  /** A parent that is itself a finished or stopping task's session is not woken again. */
  private canResume(sessionID: string) {
    const own = this.deps.ledger.bySession(sessionID)
    if (!own) return true
    return !TERMINAL.has(own.state) && !this.live.get(sessionID)?.stop
  }

  /**
   * Appends every finished, undelivered result of a parent as one synthetic assistant message of
   * completed `task` tool parts. Claim, message and parts are one transaction: exactly once.
   */
  private deliver(parentSessionID: string, via: "step" | "idle") {
    const { store, ledger, bus, settings } = this.deps
    const waiting = ledger.undelivered(parentSessionID)
    const parent = waiting.length ? store.getSession(parentSessionID) : undefined
    if (!parent) return false
    const user = store.lastUserMessage(parentSessionID)
    if (!user) return false
    const now = Date.now()
    const delivered: { task: TaskInfo; part: ToolPart }[] = []
    const message: AssistantMessage = {
      id: ascending("message", now),
      sessionID: parentSessionID,
      role: "assistant",
      time: { created: now, completed: now },
      parentID: user.id,
      modelID: user.model.modelID,
      providerID: user.model.providerID,
      mode: user.agent,
      agent: user.agent,
      path: { cwd: parent.directory, root: parent.directory },
      cost: 0,
      tokens: emptyTokens(),
      finish: "tool-calls",
    }
    store.transaction(() => {
      for (const task of waiting) {
        const claimed = ledger.claim(task.id, "delivered", now)
        if (!claimed) continue
        delivered.push({ task: claimed, part: syntheticPart(claimed, message, settings.result_chars, via) })
      }
      if (!delivered.length) return
      store.upsertMessage(message)
      for (const { part } of delivered) store.upsertPart(part)
    })
    for (const { task, part } of delivered)
      bus.publish(TaskDelivered, { taskID: task.id, parentSessionID, messageID: message.id, partID: part.id, via })
    return delivered.length > 0
  }

  /**
   * Resolves once a session has no unfinished background tasks, no undelivered results and is
   * idle: everything it delegated has come back and been answered.
   */
  async settled(sessionID: string) {
    const busy = () =>
      this.outstanding(sessionID) || this.deps.runner.isBusy(sessionID) || this.idleTimers.has(sessionID)
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

  private outstanding(sessionID: string) {
    return this.deps.ledger.hasPending(sessionID)
  }

  private idleWaiters = new Map<string, (() => void)[]>()

  private idleOnce(sessionID: string) {
    return new Promise<void>((resolve) => {
      const list = this.idleWaiters.get(sessionID) ?? []
      list.push(resolve)
      this.idleWaiters.set(sessionID, list)
    })
  }

  private wakeIdle(sessionID: string) {
    const list = this.idleWaiters.get(sessionID)
    if (!list) return
    this.idleWaiters.delete(sessionID)
    for (const resolve of list) resolve()
  }

  /** Follows a running child's parts: steps, tool calls and tokens, published at a throttled pace. */
  private track(part: {
    sessionID: string
    type: string
    id: string
    tool?: string
    state?: { status: string }
    tokens?: unknown
    cost?: number
  }) {
    const live = this.live.get(part.sessionID)
    if (!live) return
    live.lastActivity = Date.now()
    if (part.type === "step-finish") {
      live.steps++
      live.tokens = addTokens(live.tokens, part.tokens as typeof live.tokens)
      live.cost += part.cost ?? 0
      const budget = this.deps.settings.max_tokens
      if (budget && live.tokens.input + live.tokens.output >= budget)
        this.stop(part.sessionID, `token budget of ${budget} reached`)
    }
    if (part.type === "tool" && part.state?.status === "running" && !live.seenTools.has(part.id)) {
      live.seenTools.add(part.id)
      live.toolCalls++
      live.tool = part.tool
    }
    this.publishProgress(part.sessionID, live)
  }

  private publishProgress(sessionID: string, live: Live) {
    const interval = this.deps.settings.progress_interval_ms
    const wait = live.lastPublished + interval - Date.now()
    if (wait > 0) {
      live.trailing ??= setTimeout(() => {
        live.trailing = undefined
        if (this.live.get(sessionID) === live) this.publishProgress(sessionID, live)
      }, wait)
      return
    }
    live.lastPublished = Date.now()
    this.deps.bus.publish(TaskProgress, {
      taskID: live.taskID,
      sessionID,
      parentSessionID: live.parentSessionID,
      steps: live.steps,
      toolCalls: live.toolCalls,
      tool: live.tool,
      tokens: live.tokens,
      lastActivity: live.lastActivity,
    })
  }
}

/** The completed `task` tool part that carries a result into the parent's transcript. */
function syntheticPart(task: TaskInfo, message: AssistantMessage, maxChars: number, via: "step" | "idle"): ToolPart {
  const now = Date.now()
  return {
    id: ascending("part", now),
    sessionID: message.sessionID,
    messageID: message.id,
    type: "tool",
    callID: `call_${task.id}`,
    tool: "task",
    state: {
      status: "completed",
      input: { description: task.description, subagent_type: task.agent, task_id: task.id },
      output: resultText(task, maxChars),
      title: `${task.description} (${task.state})`,
      metadata: { synthetic: true, taskID: task.id, sessionId: task.sessionID, state: task.state, via },
      time: { start: task.time.started ?? task.time.created, end: now },
    },
    metadata: { synthetic: true },
  }
}
