/// <reference lib="dom" />
import type { Answer } from "./api"
import { el, setText } from "./dom"
import { formatCost, formatInt } from "./format"
import type { MonitorModel } from "./model"
import { STATE_ORDER } from "./timeline"
import type { PermissionReply, PermissionRequest, RolledUsage } from "./types"

const REPLIES: { reply: PermissionReply; label: string }[] = [
  { reply: "once", label: "Allow once" },
  { reply: "always", label: "Always allow" },
  { reply: "reject", label: "Reject" },
]

/** The pending permission requests of the tree, each with its three answers. */
export function drawPermissions(
  list: HTMLElement,
  model: MonitorModel,
  answer: (request: PermissionRequest, reply: PermissionReply) => Promise<Answer<unknown>>,
) {
  const pending = model.pendingPermissions()
  const shown = new Map(
    [...list.querySelectorAll<HTMLElement>("li[data-request]")].map((li) => [li.dataset.request, li]),
  )
  for (const [id, li] of shown) if (!pending.some((request) => request.id === id)) li.remove()
  for (const request of pending) {
    if (shown.has(request.id)) continue
    const task = model.taskOf(request.sessionID)
    const where = task ? `task “${task.description}”` : `session ${request.sessionID}`
    const note = el("span", { class: "note", role: "status" })
    const buttons = REPLIES.map(({ reply, label }) => {
      const button = el(
        "button",
        { type: "button", class: reply, "aria-label": `${label}: ${request.permission}` },
        label,
      )
      button.addEventListener("click", async () => {
        for (const b of buttons) b.disabled = true
        const result = await answer(request, reply)
        if (result.ok) return
        for (const b of buttons) b.disabled = false
        setText(note, `Not answered: ${result.message}`)
      })
      return button
    })
    list.append(
      el(
        "li",
        { "data-request": request.id },
        el("div", {}, el("strong", {}, request.permission), " ", el("code", {}, request.patterns.join(", "))),
        el("div", { class: "detail" }, `asked by ${where}`),
        el("div", { class: "replies" }, ...buttons, note),
      ),
    )
  }
  list.closest("section")?.classList.toggle("attention", pending.length > 0)
}

/** The usage of the whole tree, and where the figures come from. */
export function drawUsage(container: HTMLElement, usage: RolledUsage, rolledByServer: boolean) {
  const figures: [string, string][] = [
    ["Cost", formatCost(usage.cost)],
    ["Input tokens", formatInt(usage.tokens.input)],
    ["Output tokens", formatInt(usage.tokens.output)],
    ["Reasoning", formatInt(usage.tokens.reasoning)],
    ["Cache read", formatInt(usage.tokens.cache.read)],
    ["Cache write", formatInt(usage.tokens.cache.write)],
    ["Steps", formatInt(usage.steps)],
    ["Running", formatInt(usage.running)],
  ]
  const dl = container.querySelector("dl") ?? container.appendChild(el("dl"))
  if (dl.children.length !== figures.length * 2)
    dl.replaceChildren(...figures.flatMap(([name]) => [el("dt", {}, name), el("dd", { class: "num" })]))
  figures.forEach(([, value], i) => setText(dl.children[i * 2 + 1]!, value))
  const source = container.querySelector(".source") ?? container.appendChild(el("p", { class: "source" }))
  setText(
    source,
    rolledByServer
      ? "Rolled up by the server over the session and all its descendants."
      : "Summed from the session and the tasks listed below (this server has no usage route).",
  )
}

/** The count of tasks per state, as a legend for the timeline's colours. */
export function drawLegend(container: HTMLElement, model: MonitorModel) {
  const counts = new Map(STATE_ORDER.map((state) => [state, 0]))
  for (const task of model.tasks.values()) counts.set(task.state, (counts.get(task.state) ?? 0) + 1)
  if (!container.children.length)
    container.append(
      ...STATE_ORDER.map((state) =>
        el("span", { class: `key ${state}`, "data-state": state }, el("i"), state, " ", el("b", { class: "num" })),
      ),
    )
  for (const key of container.querySelectorAll<HTMLElement>(".key")) {
    const n = counts.get(key.dataset.state as (typeof STATE_ORDER)[number]) ?? 0
    setText(key.querySelector("b")!, formatInt(n))
    key.classList.toggle("none", n === 0)
  }
}
