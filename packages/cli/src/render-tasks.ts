import type { Engine } from "@tandem/core/engine"
import { TaskDelivered, TaskProgress, TaskUpdated } from "@tandem/core/task/events"
import type { TaskInfo } from "@tandem/core/task/task-info"
import type { TreeUsage } from "@tandem/core/task/tree-usage"
import { cyan, dim, green, red, yellow } from "./render"
import type { Screen } from "./screen"

/** How often the status area of a terminal is redrawn, so elapsed times advance. */
export const REDRAW_MS = 1000
/** How often, at most, a log (not a terminal) gets a progress line of one running task. */
export const LOG_PROGRESS_MS = 5000
/** Running tasks listed in the status area of a terminal; the rest are counted in one line. */
export const STATUS_TASKS = 8

const mark: Record<TaskInfo["state"], (s: string) => string> = {
  queued: (s) => dim(s),
  running: (s) => cyan(s),
  completed: (s) => green(s),
  error: (s) => red(s),
  cancelled: (s) => yellow(s),
  interrupted: (s) => yellow(s),
}

function tokens(n: number) {
  return n >= 1000 ? `${(n / 1000).toFixed(1)}k` : String(n)
}

/** What a task has done so far. */
export type TaskFigures = { steps: number; tokens: number; tool?: string }

const figuresOf = (task: TaskInfo): TaskFigures => ({
  steps: task.usage.steps,
  tokens: task.usage.tokens.input + task.usage.tokens.output,
})

/** One status line: agent, description, state, elapsed, steps, tokens. */
export function taskLine(
  task: Pick<TaskInfo, "agent" | "description" | "state" | "time" | "worktree" | "changes">,
  figures: TaskFigures,
  now = Date.now(),
) {
  const elapsed = ((task.time.ended ?? now) - (task.time.started ?? task.time.created)) / 1000
  const tool = figures.tool && task.state === "running" ? ` · ${figures.tool}` : ""
  return `${mark[task.state]("◇ " + task.state.padEnd(9))} @${task.agent} ${task.description} ${dim(
    `· ${Math.max(0, elapsed).toFixed(1)}s · ${figures.steps} steps · ${tokens(figures.tokens)} tokens${tool}${workspace(task)}`,
  )}`
}

/** Where an isolated task works, and what came of a task's changes once it ended. */
function workspace(task: Pick<TaskInfo, "worktree" | "changes">) {
  const changes = task.changes
  if (!changes) return task.worktree ? ` · worktree ${task.worktree.path} (${task.worktree.branch})` : ""
  const files = `${changes.files.length} file${changes.files.length === 1 ? "" : "s"} changed`
  if (changes.merge === "conflict")
    return ` · ${files}, conflict in ${changes.conflicts?.join(", ")}: kept on ${changes.branch}`
  if (changes.error) return ` · ${files}, not applied (${changes.error}): kept on ${changes.branch}`
  return ` · ${files}${changes.merge === "applied" ? ", applied" : ""}`
}

/** Money as providers bill it: dollars, to a hundredth of a cent. */
export const cost = (dollars: number) => `$${dollars.toFixed(4)}`

/** A task as `tandem tasks` lists it: its id, its status line, and what it cost. */
export function taskRow(task: TaskInfo) {
  return `${dim(task.id)} ${taskLine(task, figuresOf(task))}${dim(` · ${cost(task.usage.cost)}`)}`
}

/** What a session and everything below it spent, in one line: tokens, cost, steps, running tasks. */
export function usageLine(usage: TreeUsage) {
  const running = usage.running ? ` · ${usage.running} running` : ""
  return `${tokens(usage.tokens.input)} in / ${tokens(usage.tokens.output)} out tokens · ${cost(usage.cost)} · ${usage.steps} steps${running}`
}

export type TaskRenderOptions = {
  /** Redraw the running tasks in place (a terminal); otherwise print progress lines (a log). */
  tty: boolean
  now: () => number
  /** Calls `fn` every `ms` until the returned function is called. */
  every: (ms: number, fn: () => void) => () => void
}

/**
 * Shows the background tasks of a session tree: a line that stays for each change of state, and
 * the running ones with their elapsed time advancing — redrawn in place each second in the status
 * area of a terminal, or as a fresh progress line every few seconds per task in a log.
 */
export function renderTasks(engine: Engine, rootID: string, screen: Screen, options: TaskRenderOptions) {
  const inTree = (sessionID: string) => engine.sessions.ancestors(sessionID).some((s) => s.id === rootID)
  /** Tasks of the tree not finished yet, with what they have done and when a log last showed them. */
  const open = new Map<string, { task: TaskInfo; figures: TaskFigures; shown: number }>()
  const track = (task: TaskInfo, shown: number) => {
    if (task.state === "queued" || task.state === "running")
      open.set(task.id, { task, figures: open.get(task.id)?.figures ?? figuresOf(task), shown })
    else open.delete(task.id)
  }
  // Tasks already under way (a continued session, or resumed on start) are shown too.
  const seed = (sessionID: string, depth: number) => {
    if (depth > 32) return
    for (const task of engine.background.list(sessionID)) {
      track(task, options.now())
      seed(task.sessionID, depth + 1)
    }
  }
  seed(rootID, 0)

  const status = () => {
    if (!options.tty) return
    const now = options.now()
    const all = [...open.values()]
    const running = all.filter((entry) => entry.task.state === "running")
    const queued = all.length - running.length
    const lines = running.slice(0, STATUS_TASKS).map(({ task, figures }) => `  ${taskLine(task, figures, now)}`)
    const more = [
      running.length > STATUS_TASKS ? `${running.length - STATUS_TASKS} more running` : "",
      queued ? `${queued} queued` : "",
    ].filter(Boolean)
    if (more.length) lines.push(dim(`  … ${more.join(", ")}`))
    screen.status(lines)
  }

  const progressLines = () => {
    const now = options.now()
    for (const entry of open.values()) {
      if (entry.task.state !== "running" || now - entry.shown < LOG_PROGRESS_MS) continue
      entry.shown = now
      screen.line(taskLine(entry.task, entry.figures, now))
    }
  }

  const offUpdated = engine.bus.on(TaskUpdated, ({ task }) => {
    if (!inTree(task.parentSessionID)) return
    track(task, options.now())
    // The status area first, so that the line below is not drawn with a stale one under it.
    status()
    screen.line(taskLine(task, figuresOf(task), options.now()))
  })
  const offProgress = engine.bus.on(TaskProgress, (progress) => {
    const entry = open.get(progress.taskID)
    if (!entry) return
    entry.figures = {
      steps: progress.steps,
      tokens: progress.tokens.input + progress.tokens.output,
      tool: progress.tool,
    }
  })
  const offDelivered = engine.bus.on(TaskDelivered, (event) => {
    if (event.parentSessionID !== rootID) return
    const task = engine.background.get(event.taskID)
    if (task) screen.line(dim(`  ↳ result of "${task.description}" delivered to the conversation`))
  })
  const stopTicking = options.every(options.tty ? REDRAW_MS : 1000, options.tty ? status : progressLines)
  status()
  return () => {
    stopTicking()
    offUpdated()
    offProgress()
    offDelivered()
    screen.status([])
  }
}
