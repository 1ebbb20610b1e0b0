import type { Engine } from "@tandem/core/engine"
import { TaskDelivered, TaskProgress, TaskUpdated } from "@tandem/core/task/events"
import type { TaskInfo } from "@tandem/core/task/task-info"
import { cyan, dim, green, red, yellow } from "./render"

/** How often one task's progress line may repeat. */
export const PROGRESS_LINE_MS = 1000

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

/** One status line: agent, description, state, elapsed, steps, tokens. */
export function taskLine(
  task: Pick<TaskInfo, "agent" | "description" | "state" | "time">,
  figures: { steps: number; tokens: number; tool?: string },
) {
  const elapsed = ((task.time.ended ?? Date.now()) - (task.time.started ?? task.time.created)) / 1000
  const tool = figures.tool && task.state === "running" ? ` · ${figures.tool}` : ""
  return `${mark[task.state]("◇ " + task.state.padEnd(9))} @${task.agent} ${task.description} ${dim(
    `· ${elapsed.toFixed(1)}s · ${figures.steps} steps · ${tokens(figures.tokens)} tokens${tool}`,
  )}`
}

/** A task as `tandem tasks` lists it: its id, then its status line. */
export function taskRow(task: TaskInfo) {
  return `${dim(task.id)} ${taskLine(task, { steps: task.usage.steps, tokens: task.usage.tokens.input + task.usage.tokens.output })}`
}

/** Prints background tasks of a session tree as they change state and make progress. */
export function renderTasks(engine: Engine, rootID: string, line: (text: string) => void) {
  const inTree = (sessionID: string) => {
    let current = engine.store.getSession(sessionID)
    while (current) {
      if (current.id === rootID) return true
      current = current.parentID ? engine.store.getSession(current.parentID) : undefined
    }
    return false
  }
  const lastLine = new Map<string, number>()
  const offUpdated = engine.bus.on(TaskUpdated, ({ task }) => {
    if (!inTree(task.parentSessionID)) return
    lastLine.set(task.id, Date.now())
    line(taskLine(task, { steps: task.usage.steps, tokens: task.usage.tokens.input + task.usage.tokens.output }))
  })
  const offProgress = engine.bus.on(TaskProgress, (progress) => {
    if (!inTree(progress.parentSessionID)) return
    const now = Date.now()
    if (now - (lastLine.get(progress.taskID) ?? 0) < PROGRESS_LINE_MS) return
    lastLine.set(progress.taskID, now)
    const task = engine.background.get(progress.taskID)
    if (task?.state !== "running") return
    line(
      taskLine(task, {
        steps: progress.steps,
        tokens: progress.tokens.input + progress.tokens.output,
        tool: progress.tool,
      }),
    )
  })
  const offDelivered = engine.bus.on(TaskDelivered, (event) => {
    if (event.parentSessionID !== rootID) return
    const task = engine.background.get(event.taskID)
    if (task) line(dim(`  ↳ result of "${task.description}" delivered to the conversation`))
  })
  return () => {
    offUpdated()
    offProgress()
    offDelivered()
  }
}
