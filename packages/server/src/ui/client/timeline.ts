/// <reference lib="dom" />
import { escape, formatDuration } from "./format"
import type { TaskRow, TaskState } from "./types"

/** Width of the drawing in user units; the SVG stretches it to the page. */
const WIDTH = 1000
/** The tallest the timeline grows, in pixels; past that, bars get thinner. */
const MAX_HEIGHT = 240
const BAR = 10
const GAP = 3

export const STATE_ORDER: TaskState[] = ["queued", "running", "completed", "error", "cancelled", "interrupted"]

/**
 * Draws one bar per task, from queued to its end (or now), coloured by state; the stretch a task
 * spent queued is drawn fainter. Bars keep the table's order. The summary goes in `aria-label`.
 */
export function drawTimeline(
  svg: SVGSVGElement,
  axis: { start: HTMLElement; end: HTMLElement },
  tasks: TaskRow[],
  now: number,
) {
  const pitch = tasks.length ? Math.min(BAR + GAP, MAX_HEIGHT / tasks.length) : BAR
  const bar = pitch > 4 ? pitch - Math.min(GAP, pitch / 4) : pitch
  const height = Math.max(BAR, Math.ceil(pitch * tasks.length))
  const start = Math.min(...tasks.map((t) => t.time.created), now)
  const end = Math.max(...tasks.map((t) => t.time.ended ?? now), start + 1000)
  const x = (time: number) => ((time - start) / (end - start)) * WIDTH
  const shapes = tasks.map((task, index) => {
    const y = (index * pitch).toFixed(2)
    const queuedUntil = task.time.started ?? task.time.ended ?? now
    const until = task.time.ended ?? now
    const wait = x(queuedUntil) - x(task.time.created)
    const run = task.time.started ? Math.max(x(until) - x(task.time.started), 0.5) : 0
    const title = `${task.description}: ${task.state}, ${formatDuration(until - (task.time.started ?? task.time.created))}`
    return (
      `<g class="bar ${task.state}" data-task="${escape(task.id)}"><title>${escape(title)}</title>` +
      (wait > 0 || !task.time.started
        ? `<rect class="wait" x="${x(task.time.created).toFixed(2)}" y="${y}" width="${Math.max(wait, 0.5).toFixed(2)}" height="${bar.toFixed(2)}"/>`
        : "") +
      (run > 0
        ? `<rect x="${x(task.time.started!).toFixed(2)}" y="${y}" width="${run.toFixed(2)}" height="${bar.toFixed(2)}"/>`
        : "") +
      `</g>`
    )
  })
  svg.setAttribute("viewBox", `0 0 ${WIDTH} ${height}`)
  svg.setAttribute("height", String(height))
  svg.innerHTML = shapes.join("")
  svg.setAttribute("aria-label", summary(tasks, end - start))
  axis.start.textContent = tasks.length ? new Date(start).toLocaleTimeString() : ""
  axis.end.textContent = tasks.length ? `+${formatDuration(end - start)}` : ""
}

function summary(tasks: TaskRow[], span: number) {
  if (!tasks.length) return "Timeline: no tasks yet"
  const counts = STATE_ORDER.flatMap((state) => {
    const n = tasks.filter((t) => t.state === state).length
    return n ? [`${n} ${state}`] : []
  })
  return `Timeline of ${tasks.length} task${tasks.length === 1 ? "" : "s"} over ${formatDuration(span)}: ${counts.join(", ")}`
}
