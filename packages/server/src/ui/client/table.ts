/// <reference lib="dom" />
import type { Answer } from "./api"
import { setText } from "./dom"
import { formatCost, formatDuration, formatInt } from "./format"
import { isFinished, tokenTotal, type Dirty, type MonitorModel } from "./model"
import type { TaskRow } from "./types"

/** What the table's buttons do; each answers with the route's result. */
export type TableActions = {
  cancel(taskID: string): Promise<Answer<unknown>>
  steer(taskID: string, text: string): Promise<Answer<unknown>>
}

type Row = {
  tr: HTMLTableRowElement
  description: HTMLAnchorElement
  detail: HTMLElement
  state: HTMLElement
  elapsed: HTMLElement
  steps: HTMLElement
  tokens: HTMLElement
  cost: HTMLElement
  tool: HTMLElement
  actions: HTMLElement
  note: HTMLElement
}

/** How long a task has run (or waited, while queued); ticking until it ends. */
export function elapsed(task: TaskRow, now: number) {
  const from = task.time.started ?? task.time.created
  return (task.time.ended ?? now) - from
}

/** The task table: one `<tr>` per task, updated in place from the model. */
export class TaskTable {
  private rows = new Map<string, Row>()

  constructor(
    private body: HTMLTableSectionElement,
    private empty: HTMLElement,
    private model: MonitorModel,
    private actions: TableActions,
  ) {
    body.addEventListener("click", (event) => this.onClick(event))
    body.addEventListener("submit", (event) => this.onSubmit(event))
  }

  draw(dirty: Dirty, now: number) {
    if (dirty.structure) this.arrange()
    for (const id of dirty.tasks) {
      const task = this.model.tasks.get(id)
      const row = this.rows.get(id)
      if (task && row) this.fill(row, task, now)
    }
  }

  /** Moves the elapsed time of every unfinished task on. */
  tick(now: number) {
    for (const [id, row] of this.rows) {
      const task = this.model.tasks.get(id)
      if (task && !isFinished(task.state)) setText(row.elapsed, formatDuration(elapsed(task, now)))
    }
  }

  /** Puts rows in tree order, creating missing ones; rows already in place are not moved (focus stays). */
  private arrange() {
    const order = this.model.order()
    let cursor = this.body.firstElementChild
    for (const { task, depth } of order) {
      let row = this.rows.get(task.id)
      if (!row) {
        row = this.create(task, depth)
        this.rows.set(task.id, row)
      }
      if (row.tr === cursor) cursor = cursor.nextElementSibling
      else this.body.insertBefore(row.tr, cursor)
    }
    for (const [id, row] of this.rows)
      if (!this.model.tasks.has(id)) {
        row.tr.remove()
        this.rows.delete(id)
      }
    this.empty.hidden = order.length > 0
  }

  private create(task: TaskRow, depth: number): Row {
    const tr = rowTemplate().cloneNode(true) as HTMLTableRowElement
    tr.dataset.task = task.id
    const [head, agent, model, state, elapsed, steps, tokens, cost, tool, actions] =
      tr.children as unknown as HTMLElement[]
    head!.style.paddingLeft = `calc(${depth} * 1.4em + 0.6em)`
    if (depth > 0) head!.classList.add("nested")
    const description = head!.firstElementChild as HTMLAnchorElement
    description.href = `/ui/session/${encodeURIComponent(task.sessionID)}`
    const modelName = `${task.model.providerID}/${task.model.modelID}`
    agent!.textContent = task.agent
    model!.textContent = modelName
    model!.title = modelName
    const controls = actions!.querySelector(".controls")!
    if (isFinished(task.state)) controls.remove()
    else controls.querySelector("button.cancel")!.setAttribute("aria-label", `Cancel ${task.description}`)
    return {
      tr,
      description,
      detail: head!.lastElementChild as HTMLElement,
      state: state!.firstElementChild as HTMLElement,
      elapsed: elapsed!,
      steps: steps!,
      tokens: tokens!,
      cost: cost!,
      tool: tool!,
      actions: actions!,
      note: actions!.querySelector(".note")!,
    }
  }

  private fill(row: Row, task: TaskRow, now: number) {
    const figures = this.model.figures(task)
    const finished = isFinished(task.state)
    if (row.tr.dataset.state !== task.state) row.tr.dataset.state = task.state
    setText(row.description, task.description)
    setText(row.detail, [task.id, task.error ?? task.reason].filter(Boolean).join(" · "))
    setText(row.state, task.state)
    const why = task.error ?? task.reason ?? ""
    if (row.state.title !== why) row.state.title = why
    setText(row.elapsed, formatDuration(elapsed(task, now)))
    setText(row.steps, formatInt(figures.steps))
    setText(row.tokens, formatInt(tokenTotal(figures.tokens)))
    const breakdown = `input ${formatInt(figures.tokens.input)} · output ${formatInt(figures.tokens.output)} · reasoning ${formatInt(figures.tokens.reasoning)} · cache read ${formatInt(figures.tokens.cache.read)} · cache write ${formatInt(figures.tokens.cache.write)}`
    if (row.tokens.title !== breakdown) row.tokens.title = breakdown
    setText(row.cost, formatCost(figures.cost))
    setText(row.tool, figures.tool ?? "")
    const controls = row.actions.querySelector(".controls")
    if (finished) controls?.remove()
    else if (task.state === "running" && controls && !controls.querySelector("form"))
      controls.append(steeringForm(task.description))
  }

  private rowOf(target: EventTarget | null) {
    const tr = (target as Element | null)?.closest?.("tr[data-task]")
    const id = tr instanceof HTMLElement ? tr.dataset.task : undefined
    const row = id ? this.rows.get(id) : undefined
    return id && row ? { id, row } : undefined
  }

  private async onClick(event: MouseEvent) {
    const button = (event.target as Element | null)?.closest?.("button.cancel")
    const found = this.rowOf(event.target)
    if (!(button instanceof HTMLButtonElement) || !found) return
    button.disabled = true
    setText(button, "Cancelling…")
    const answer = await this.actions.cancel(found.id)
    if (answer.ok) return
    button.disabled = false
    setText(button, "Cancel")
    setText(found.row.note, `Not cancelled: ${answer.message}`)
  }

  private async onSubmit(event: SubmitEvent) {
    const form = event.target
    const found = this.rowOf(form)
    if (!(form instanceof HTMLFormElement) || !found) return
    event.preventDefault()
    const input = form.elements.namedItem("text") as HTMLInputElement
    const text = input.value.trim()
    if (!text) return
    const fields = [...form.elements] as (HTMLInputElement | HTMLButtonElement)[]
    for (const field of fields) field.disabled = true
    const answer = await this.actions.steer(found.id, text)
    for (const field of fields) field.disabled = false
    if (answer.ok) input.value = ""
    setText(found.row.note, steeringNote(answer))
  }
}

function steeringNote(answer: Answer<unknown>) {
  if (answer.ok) return "Sent: the child reads it at its next step."
  if (answer.status === 404) return `Steering is not available here: ${answer.message}`
  if (answer.status === 409) return `Not sent, the task has ended: ${answer.message}`
  return `Not sent: ${answer.message}`
}

let template: HTMLTableRowElement | undefined

/**
 * The markup every row starts from, cloned per task: one clone is far cheaper than building
 * twenty elements one by one, which matters when a page opens on hundreds of tasks.
 */
function rowTemplate() {
  if (template) return template
  const holder = document.createElement("template")
  holder.innerHTML =
    `<tr><td class="task"><a></a><div class="detail"></div></td><td class="agent"></td><td class="model"></td>` +
    `<td class="state"><span class="badge"></span></td><td class="num elapsed"></td><td class="num steps"></td>` +
    `<td class="num tokens"></td><td class="num cost"></td><td class="tool"></td><td class="actions">` +
    `<div class="controls"><button type="button" class="cancel">Cancel</button></div>` +
    `<span class="note" role="status"></span></td></tr>`
  template = holder.content.firstElementChild as HTMLTableRowElement
  return template
}

/**
 * The steering box of a running task. Queued tasks get none: there is nothing yet to steer, and
 * a page opened on hundreds of queued tasks lays out far faster without hundreds of text boxes.
 */
function steeringForm(description: string) {
  const form = document.createElement("form")
  form.className = "steer"
  form.innerHTML =
    `<input name="text" type="text" placeholder="Tell it…" autocomplete="off">` + `<button type="submit">Send</button>`
  form.elements[0]!.setAttribute("aria-label", `Steering message for ${description}`)
  form.elements[1]!.setAttribute("aria-label", `Send to ${description}`)
  return form
}
