import type { Engine } from "@tandem/core/engine"
import { PartDelta, PartUpdated, SessionStatusChanged } from "@tandem/core/session/events"
import type { Part, ToolPart } from "@tandem/core/session/message"
import { renderTasks } from "./render-tasks"

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

/**
 * Prints a session's activity live: streamed text of the root session, and one line per tool
 * call of the root and its sub-agents, indented by depth.
 */
export function renderLive(
  engine: Engine,
  rootID: string,
  out: (text: string) => void = (t) => process.stdout.write(t),
) {
  /** How far below the root a session is; -1 outside the root's tree. */
  const depthOf = (sessionID: string) => engine.store.ancestors(sessionID).findIndex((s) => s.id === rootID)
  const printed = new Set<string>()
  let midLine = false
  const line = (text: string) => {
    if (midLine) out("\n")
    midLine = false
    out(text + "\n")
  }
  const offDelta = engine.bus.on(PartDelta, (event) => {
    if (event.sessionID !== rootID || event.field !== "text") return
    const part = engine.store.parts(event.messageID).find((p) => p.id === event.partID)
    if (part?.type !== "text") return
    out(event.delta)
    midLine = !event.delta.endsWith("\n")
  })
  const offPart = engine.bus.on(PartUpdated, ({ part }) => {
    const depth = depthOf(part.sessionID)
    if (depth < 0) return
    const pad = "  ".repeat(depth)
    show(part, pad, depth)
  })
  const offTasks = renderTasks(engine, rootID, line)
  const offStatus = engine.bus.on(SessionStatusChanged, ({ sessionID, status }) => {
    if (status.type !== "retry" || depthOf(sessionID) < 0) return
    const wait = Math.max(0, (status.next - Date.now()) / 1000)
    line(
      `${"  ".repeat(depthOf(sessionID))}${yellow("↻")} ${dim(`model call failed (${status.message}); retry ${status.attempt} in ${wait.toFixed(1)}s`)}`,
    )
  })
  const show = (part: Part, pad: string, depth: number) => {
    if (part.type === "text" && part.time?.end && midLine && depth === 0) {
      line("")
      return
    }
    if (part.type !== "tool") return
    const key = `${part.id}:${part.state.status}`
    if (printed.has(key)) return
    printed.add(key)
    if (part.tool === "task" && part.metadata?.synthetic) return
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
    if (midLine) out("\n")
  }
}
