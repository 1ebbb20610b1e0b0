import type { Bus } from "../bus/bus"
import { SessionIdle } from "../session/events"
import { TaskDelivered, TaskUpdated } from "./events"
import { TERMINAL, type TaskInfo } from "./task-info"

/**
 * Resolves when any or all of the tasks have ended (re-checked on every `task.updated`), or after
 * `timeoutMs`, or when `signal` aborts. Unknown ids count as ended for "any" and are skipped for "all".
 */
export async function waitForTasks(input: {
  bus: Bus
  get(id: string): TaskInfo | undefined
  ids: string[]
  mode: "any" | "all"
  timeoutMs: number
  signal?: AbortSignal
}) {
  const { bus, ids, mode, signal } = input
  const check = () => {
    const tasks = ids.map((id) => input.get(id)).filter((t): t is TaskInfo => !!t)
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
    const off = bus.on(TaskUpdated, () => check() && finish())
    const timer = setTimeout(finish, input.timeoutMs)
    signal?.addEventListener("abort", finish, { once: true })
  })
}

/**
 * Resolves once `busy` is false, checking again on every `task.updated`, `task.delivered` and
 * `session.idle`: for a session waiting until everything it delegated has come back and been answered.
 */
export async function waitUntilSettled(input: { bus: Bus; busy(): boolean }) {
  const wakers = new Set<string>([TaskUpdated.name, TaskDelivered.name, SessionIdle.name])
  while (input.busy())
    await new Promise<void>((resolve) => {
      const off = input.bus.subscribe((event) => {
        if (!wakers.has(event.type)) return
        off()
        resolve()
      })
    })
}
