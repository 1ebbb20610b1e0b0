import type { Engine } from "@tandem/core/engine"
import { PartDelta, PartUpdated, SessionStatusChanged } from "@tandem/core/session/events"
import type { Part, ToolPart } from "@tandem/core/session/message"
import { renderTasks } from "./render-tasks"
import { createScreen } from "./screen"

const color = (code: number) => (text: string) => (process.stdout.isTTY ? `\x1b[${code}m${text}\x1b[0m` : text)
export const dim = color(2)
export const bold = color(1)
export const cyan = color(36)
export const green = color(32)
export const red = color(31)
export const yellow = color(33)

function describeTool(part: ToolPart) {
  const input = part.state.input as Record<string, unknown>
  const arg = input.filePath ?? input.command ?? input.pattern ?? input.description ?? input.path ?? ""
  return `${part.tool} ${String(arg)}${input.background ? " (background)" : ""}`.trim()
}

export type LiveOptions = {
  /** Where the output goes (default: stdout). */
  write?: (text: string) => void
  /** A terminal: running tasks are redrawn in place (default: whether stdout is one). */
  tty?: boolean
  /** Width of the terminal (default: stdout's). */
  columns?: () => number
  now?: () => number
  /** Calls `fn` every `ms` until the returned function is called (default: an unref'd interval). */
  every?: (ms: number, fn: () => void) => () => void
}

const interval = (ms: number, fn: () => void) => {
  const timer = setInterval(fn, ms)
  timer.unref()
  return () => clearInterval(timer)
}

/**
 * Prints a session's activity live: streamed text of the root session, one line per tool call of
 * the root and its sub-agents, indented by depth, and its background tasks (see renderTasks).
 */
export function renderLive(engine: Engine, rootID: string, options: LiveOptions = {}) {
  const tty = options.tty ?? process.stdout.isTTY === true
  const now = options.now ?? Date.now
  const screen = createScreen(
    options.write ?? ((text) => process.stdout.write(text)),
    tty,
    options.columns ?? (() => process.stdout.columns || 80),
  )
  /** How far below the root a session is; -1 outside the root's tree. */
  const depthOf = (sessionID: string) => engine.sessions.ancestors(sessionID).findIndex((s) => s.id === rootID)
  const printed = new Set<string>()
  const line = screen.line
  const offDelta = engine.bus.on(PartDelta, (event) => {
    if (event.sessionID !== rootID || event.field !== "text") return
    const part = engine.sessions.parts(event.messageID).find((p) => p.id === event.partID)
    if (part?.type !== "text") return
    screen.text(event.delta)
  })
  const offPart = engine.bus.on(PartUpdated, ({ part }) => {
    const depth = depthOf(part.sessionID)
    if (depth < 0) return
    const pad = "  ".repeat(depth)
    show(part, pad, depth)
  })
  const offTasks = renderTasks(engine, rootID, screen, {
    tty,
    now,
    every: options.every ?? interval,
  })
  const offStatus = engine.bus.on(SessionStatusChanged, ({ sessionID, status }) => {
    if (status.type !== "retry" || depthOf(sessionID) < 0) return
    const wait = Math.max(0, (status.next - now()) / 1000)
    line(
      `${"  ".repeat(depthOf(sessionID))}${yellow("↻")} ${dim(`model call failed (${status.message}); retry ${status.attempt} in ${wait.toFixed(1)}s`)}`,
    )
  })
  const show = (part: Part, pad: string, depth: number) => {
    if (part.type === "text" && part.time?.end && depth === 0) {
      screen.end()
      return
    }
    if (part.type !== "tool") return
    const key = `${part.id}:${part.state.status}`
    if (printed.has(key)) return
    printed.add(key)
    if (part.tool === "task" && part.metadata?.synthetic) return
    // A call answered while its task goes on: the task's own lines show it from dispatch to end.
    if (part.state.status !== "pending" && part.state.metadata?.background === true) return
    if (
      part.state.status === "running" &&
      part.tool === "task" &&
      !(part.state.input as { background?: boolean }).background
    )
      line(`${pad}${cyan("◆")} ${describeTool(part)}`)
    if (part.state.status === "completed")
      line(
        `${pad}${green("✓")} ${describeTool(part)}${dim(part.state.title && part.tool !== "task" ? "  " + part.state.title : "")}`,
      )
    if (part.state.status === "error")
      line(`${pad}${red("✗")} ${describeTool(part)}  ${red(part.state.error.split("\n")[0] ?? "")}`)
  }
  return () => {
    offDelta()
    offPart()
    offTasks()
    offStatus()
    screen.close()
  }
}
