import type {
  MonitorEvent,
  PermissionRequest,
  Progress,
  RolledUsage,
  SessionInfo,
  SessionStatus,
  TaskRow,
  TaskState,
  Tokens,
  WithParts,
} from "./types"
import { byCreation } from "./order"

/** How far along a state is; an update never moves a task back (a late event after a fresh snapshot). */
const RANK: Record<TaskState, number> = {
  queued: 0,
  running: 1,
  completed: 2,
  error: 2,
  cancelled: 2,
  interrupted: 2,
}

export const isFinished = (state: TaskState) => RANK[state] === 2

/** Everything the page shows at load, read from the routes. */
export type Snapshot = {
  root: SessionInfo
  /** `GET /session/:id/task`: the root's own tasks. */
  tasks: TaskRow[]
  permissions: PermissionRequest[]
}

/** A row's figures, from whichever source is furthest along. */
export type Figures = { steps: number; tokens: Tokens; cost: number; tool?: string }

/** What changed since the view last drew. */
export type Dirty = { tasks: Set<string>; structure: boolean; permissions: boolean; header: boolean }

const clean = (): Dirty => ({ tasks: new Set(), structure: false, permissions: false, header: false })

export const tokenTotal = (tokens: Omit<Tokens, "total"> & { total?: number }) =>
  tokens.total ?? tokens.input + tokens.output

const zeroTokens = (): Tokens => ({ input: 0, output: 0, reasoning: 0, cache: { read: 0, write: 0 } })

const addTokens = (a: Tokens, b: Tokens): Tokens => ({
  input: a.input + b.input,
  output: a.output + b.output,
  reasoning: a.reasoning + b.reasoning,
  cache: { read: a.cache.read + b.cache.read, write: a.cache.write + b.cache.write },
})

/**
 * The monitor's state for one session's task tree, fed by a snapshot and then by events. The
 * tree is the root session plus every task whose parent session is already in it.
 */
export class MonitorModel {
  root: SessionInfo | undefined
  status: SessionStatus["type"] = "idle"
  deleted = false
  readonly tasks = new Map<string, TaskRow>()
  readonly permissions = new Map<string, PermissionRequest>()
  private bySession = new Map<string, string>()
  private progress = new Map<string, Progress>()
  private sessionTotals = new Map<string, { cost: number; tokens: Tokens }>()
  /** The tool a child runs now, from its parts; null once that call ended. */
  private tools = new Map<string, { partID: string; tool: string } | null>()
  private dirty = clean()

  constructor(readonly rootID: string) {}

  /** Replaces everything with a fresh snapshot (the first load, and after a reconnect). */
  reset(snapshot: Snapshot) {
    this.root = snapshot.root
    this.tasks.clear()
    this.bySession.clear()
    this.progress.clear()
    this.sessionTotals.clear()
    this.tools.clear()
    this.permissions.clear()
    this.adopt(snapshot.tasks)
    for (const request of snapshot.permissions) this.permissions.set(request.id, request)
    this.dirty = { tasks: new Set(this.tasks.keys()), structure: true, permissions: true, header: true }
  }

  /**
   * Takes the tasks of a list that belong to the tree, walking down from the sessions already in
   * it (a list of every task finds the nested ones); the others are ignored.
   */
  adopt(list: TaskRow[]) {
    const byParent = Map.groupBy(list, (task) => task.parentSessionID)
    const sessions = [this.rootID, ...this.bySession.keys()]
    for (const sessionID of sessions)
      for (const task of byParent.get(sessionID) ?? []) {
        if (this.tasks.has(task.id)) continue
        this.upsert(task)
        if (task.progress) this.progress.set(task.id, task.progress)
        sessions.push(task.sessionID)
      }
  }

  /** Applies one event from the stream; events about sessions outside the tree are ignored. */
  apply(event: MonitorEvent) {
    switch (event.type) {
      case "task.created":
      case "task.updated":
        return this.upsert(event.properties.task)
      case "task.progress": {
        const { taskID, steps, toolCalls, tool, tokens, lastActivity } = event.properties
        if (!this.tasks.has(taskID)) return
        this.progress.set(taskID, { steps, toolCalls, tool, tokens, lastActivity })
        this.dirty.tasks.add(taskID)
        return
      }
      case "task.delivered": {
        const task = this.tasks.get(event.properties.taskID)
        if (!task) return
        const delivery = event.properties.via === "collected" ? "collected" : "delivered"
        this.tasks.set(task.id, { ...task, delivery })
        this.dirty.tasks.add(task.id)
        return
      }
      case "permission.asked":
        this.permissions.set(event.properties.id, event.properties)
        this.dirty.permissions = true
        return
      case "permission.replied":
        if (this.permissions.delete(event.properties.requestID)) this.dirty.permissions = true
        return
      case "session.updated":
        return this.sessionChanged(event.properties.info)
      case "session.deleted":
        if (event.properties.sessionID !== this.rootID) return
        this.deleted = true
        this.dirty.header = true
        return
      case "session.status":
        if (event.properties.sessionID !== this.rootID) return
        this.status = event.properties.status.type
        this.dirty.header = true
        return
      case "message.part.updated":
        return this.partChanged(event.properties.part)
    }
  }

  /**
   * Seeds a running task's figures from its child's transcript, for a page opened mid-run: the
   * steps, tokens and cost so far and the tool running now. Live events that came first win.
   */
  seed(taskID: string, transcript: WithParts[]) {
    const task = this.tasks.get(taskID)
    if (!task || isFinished(task.state)) return
    const parts = transcript.flatMap((message) => message.parts)
    const finished = parts.filter((part) => part.type === "step-finish")
    const tokens = finished.reduce((sum, part) => addTokens(sum, part.tokens), zeroTokens())
    if (!this.progress.has(taskID)) {
      const tools = parts.filter((part) => part.type === "tool")
      this.progress.set(taskID, {
        steps: finished.length,
        toolCalls: tools.length,
        tool: tools.at(-1)?.tool,
        tokens,
        lastActivity: Date.now(),
      })
    }
    if (!this.sessionTotals.has(task.sessionID))
      this.sessionTotals.set(task.sessionID, { cost: finished.reduce((sum, part) => sum + part.cost, 0), tokens })
    if (!this.tools.has(task.sessionID)) {
      const open = parts.findLast(
        (part) => part.type === "tool" && (part.state.status === "running" || part.state.status === "pending"),
      )
      this.tools.set(task.sessionID, open?.type === "tool" ? { partID: open.id, tool: open.tool } : null)
    }
    this.dirty.tasks.add(taskID)
  }

  /** Hands over what changed since the last call, and starts afresh. */
  takeDirty() {
    const dirty = this.dirty
    this.dirty = clean()
    return dirty
  }

  inTree(sessionID: string) {
    return sessionID === this.rootID || this.bySession.has(sessionID)
  }

  /** The tree in display order: each session's tasks by creation, each followed by its own. */
  order() {
    const byParent = Map.groupBy(this.tasks.values(), (task) => task.parentSessionID)
    const rows: { task: TaskRow; depth: number }[] = []
    const visit = (sessionID: string, depth: number) => {
      const children = (byParent.get(sessionID) ?? []).toSorted(byCreation)
      for (const task of children) {
        rows.push({ task, depth })
        visit(task.sessionID, depth + 1)
      }
    }
    visit(this.rootID, 0)
    return rows
  }

  figures(task: TaskRow): Figures {
    const live = this.progress.get(task.id)
    const totals = this.sessionTotals.get(task.sessionID)
    const tokens = [task.usage.tokens, live?.tokens, totals?.tokens].reduce<Tokens>(
      (best, next) => (next && tokenTotal(next) > tokenTotal(best) ? next : best),
      zeroTokens(),
    )
    const seen = this.tools.get(task.sessionID)
    return {
      steps: Math.max(task.usage.steps, live?.steps ?? 0),
      tokens,
      cost: Math.max(task.usage.cost, totals?.cost ?? 0),
      tool: isFinished(task.state) ? undefined : seen === undefined ? live?.tool : seen?.tool,
    }
  }

  /** Pending requests raised in the tree (a child's name both the child and its parent). */
  pendingPermissions() {
    return [...this.permissions.values()].filter(
      (request) => this.inTree(request.sessionID) || (request.parentSessionID && this.inTree(request.parentSessionID)),
    )
  }

  /** The tree's usage summed from what the page knows: the root's own plus every row's. */
  summedUsage(): RolledUsage {
    const sum: RolledUsage = {
      tokens: this.root ? addTokens(zeroTokens(), this.root.tokens) : zeroTokens(),
      cost: this.root?.cost ?? 0,
      steps: 0,
      running: 0,
    }
    for (const task of this.tasks.values()) {
      const figures = this.figures(task)
      sum.tokens = addTokens(sum.tokens, figures.tokens)
      sum.cost += figures.cost
      sum.steps += figures.steps
      if (task.state === "running") sum.running++
    }
    return sum
  }

  taskOf(sessionID: string) {
    const id = this.bySession.get(sessionID)
    return id ? this.tasks.get(id) : undefined
  }

  private upsert(task: TaskRow) {
    if (!this.inTree(task.parentSessionID)) return
    const known = this.tasks.get(task.id)
    if (known && RANK[task.state] < RANK[known.state]) return
    this.tasks.set(task.id, { ...task, progress: undefined })
    this.bySession.set(task.sessionID, task.id)
    this.dirty.tasks.add(task.id)
    if (!known) this.dirty.structure = true
    this.dirty.header = true
  }

  private sessionChanged(info: SessionInfo) {
    if (info.id === this.rootID) {
      this.root = info
      this.dirty.header = true
      return
    }
    const taskID = this.bySession.get(info.id)
    if (!taskID) return
    this.sessionTotals.set(info.id, { cost: info.cost, tokens: info.tokens })
    this.dirty.tasks.add(taskID)
  }

  private partChanged(part: Extract<MonitorEvent, { type: "message.part.updated" }>["properties"]["part"]) {
    if (part.type !== "tool") return
    const taskID = this.bySession.get(part.sessionID)
    if (!taskID) return
    const current = this.tools.get(part.sessionID)
    if (part.state.status === "running" || part.state.status === "pending")
      this.tools.set(part.sessionID, { partID: part.id, tool: part.tool })
    else if (current?.partID === part.id) this.tools.set(part.sessionID, null)
    else return
    this.dirty.tasks.add(taskID)
  }
}
