import type { Bus } from "../bus/bus"
import { TaskUpdated } from "./events"
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
