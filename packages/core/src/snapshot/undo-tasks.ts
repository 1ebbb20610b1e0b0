import type { Bus } from "../bus/bus"
import type { PatchPart, WithParts } from "../session/message"
import type { Store } from "../session/store"
import type { BackgroundTasks } from "../task/background"
import { TaskUpdated } from "../task/events"
import type { Ledger } from "../task/ledger"
import { TERMINAL, type TaskInfo } from "../task/task-info"
import { patchesOf, type RevertPoint } from "./revert-range"

/** How long a revert waits for the background tasks it cancelled to stop before it undoes their files. */
export const UNDO_WAIT_MS = 30_000

/**
 * The background tasks a revert undoes: those dispatched by the session at or after the revert
 * point (their `task` call is hidden), and every task below them.
 */
export function tasksToUndo(ledger: Ledger, messages: WithParts[], point: RevertPoint): TaskInfo[] {
  const index = messages.findIndex((message) => message.info.id === point.messageID)
  if (index < 0) return []
  const after = new Set(messages.slice(index + 1).map((message) => message.info.id))
  const target = messages[index]!
  const from = point.partID ? target.parts.findIndex((part) => part.id === point.partID) : 0
  const hiddenCall = (task: TaskInfo) => {
    if (after.has(task.parentMessageID)) return true
    if (task.parentMessageID !== point.messageID) return false
    const at = target.parts.findIndex((part) => part.type === "tool" && part.callID === task.parentCallID)
    return at < 0 || at >= from
  }
  const sessionID = target.info.sessionID
  const below = (task: TaskInfo): TaskInfo[] => [task, ...ledger.listByParent(task.sessionID).flatMap(below)]
  return ledger.listByParent(sessionID).filter(hiddenCall).flatMap(below)
}

/**
 * Ends the undone tasks and takes their results back: running or queued ones are cancelled
 * (descendants with them), and every result not yet delivered is withdrawn (claimed as collected,
 * so it never reaches the parent). Resolves when all have stopped, or after `UNDO_WAIT_MS`.
 */
export async function cancelUndone(
  deps: { bus: Bus; store: Store; ledger: Ledger; background: BackgroundTasks },
  tasks: TaskInfo[],
) {
  const { bus, store, ledger, background } = deps
  const ids = new Set(tasks.map((task) => task.id))
  const withdraw = (task: TaskInfo) => {
    if (!TERMINAL.has(task.state) || task.delivery !== "pending") return
    store.transaction(() => ledger.claim(task.id, "collected", Date.now()))
  }
  const open = new Set(ids)
  // Subscribed before cancelling (a queued task ends inside `cancel`) and until every task has
  // ended, however long that takes: none of their results may reach the parent.
  const off = bus.on(TaskUpdated, ({ task }) => {
    if (!open.has(task.id) || !TERMINAL.has(task.state)) return
    withdraw(task)
    open.delete(task.id)
    if (!open.size) off()
  })
  for (const task of tasks) background.cancel(task.id, "reverted: the message that started it was undone")
  for (const id of ids) {
    const task = ledger.get(id)
    if (!task || !TERMINAL.has(task.state)) continue
    withdraw(task)
    open.delete(id)
  }
  if (!open.size) return off()
  await background.wait([...ids], "all", UNDO_WAIT_MS)
}

/** The patches of the undone tasks' child sessions that worked in `directory` (isolated ones did not). */
export function patchesOfTasks(store: Store, tasks: TaskInfo[], directory: string): PatchPart[] {
  return tasks.flatMap((task) => {
    const child = store.getSession(task.sessionID)
    if (!child || child.directory !== directory) return []
    return patchesOf(store.messages(child.id).flatMap((message) => message.parts))
  })
}
