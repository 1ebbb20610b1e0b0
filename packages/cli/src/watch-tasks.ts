import type { TaskInfo } from "@tandem/core/task/task-info"
import { readEvents, type StreamEvent } from "@tandem/server/read-events"
import { HEARTBEAT_MS } from "@tandem/server/routes/event"
import { dim } from "./render"
import { taskRow } from "./render-tasks"
import { listTasks, unreachable, type ServerClient } from "./server-client"

export type WatchOptions = {
  client: ServerClient
  /** Only tasks of this parent session. */
  sessionID?: string
  /** Prints a task line (stdout). */
  print: (line: string) => void
  /** Prints a notice about the connection (stderr). */
  notice: (line: string) => void
  /** Ends the watch (Ctrl-C). */
  signal: AbortSignal
  /** Wait before the first reconnection attempt; it doubles up to `maxDelayMs`. */
  initialDelayMs?: number
  maxDelayMs?: number
  /** A stream silent this long is taken for dead (the server sends a heartbeat every HEARTBEAT_MS). */
  idleMs?: number
}

/** How one connection ended: lost (try again), or refused by the server (give up with its message). */
type Ended = { kind: "lost"; message: string } | { kind: "refused"; message: string }

function pause(ms: number, signal: AbortSignal) {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms)
    signal.addEventListener("abort", done, { once: true })
    function done() {
      clearTimeout(timer)
      signal.removeEventListener("abort", done)
      resolve()
    }
  })
}

/**
 * Follows the task events of a server: lists its tasks, then prints each change. When the server
 * goes away (restart, crash, network) it says so, retries with back-off and lists the tasks again
 * once it is back. Resolves when `signal` aborts (ok), or with the message of a server that
 * refuses the client (wrong password, …) or that could not be reached at the first attempt.
 */
export async function watchTasks(options: WatchOptions): Promise<{ ok: true } | { ok: false; message: string }> {
  const { client, signal } = options
  const initialDelay = options.initialDelayMs ?? 200
  let delay = initialDelay
  let connectedOnce = false
  let away = false

  const show = (event: StreamEvent) => {
    if (event.type === "task.created" || event.type === "task.updated") {
      const task = event.properties.task as TaskInfo
      if (options.sessionID && task.parentSessionID !== options.sessionID) return
      options.print(taskRow(task))
    }
    if (event.type === "task.delivered") {
      if (options.sessionID && event.properties.parentSessionID !== options.sessionID) return
      options.print(dim(`${event.properties.taskID} delivered to ${event.properties.parentSessionID}`))
    }
  }

  /** One connection: subscribe, list the tasks, print events until the stream ends. */
  const connect = async (): Promise<Ended> => {
    const controller = new AbortController()
    const stop = () => controller.abort()
    signal.addEventListener("abort", stop, { once: true })
    let idle: ReturnType<typeof setTimeout> | undefined
    const touch = () => {
      clearTimeout(idle)
      idle = setTimeout(stop, options.idleMs ?? 3 * HEARTBEAT_MS)
    }
    try {
      let res: Response
      try {
        res = await client.get("/event", controller.signal)
      } catch (error) {
        return { kind: "lost", message: unreachable(client.base, error) }
      }
      if (!res.ok || !res.body)
        return { kind: res.status >= 500 ? "lost" : "refused", message: await client.failure(res) }
      // Events are held back until the list is printed, so a line never shows an older state
      // after a newer one; the list is asked for only once the server has subscribed us.
      const held: StreamEvent[] = []
      let listed = false
      const subscribed = Promise.withResolvers<void>()
      touch()
      const reading = readEvents(res.body, (event) => {
        touch()
        if (event.type === "server.connected") subscribed.resolve()
        if (listed) show(event)
        else held.push(event)
      }).catch(() => {})
      if ((await Promise.race([subscribed.promise.then(() => true), reading.then(() => false)])) === false)
        return { kind: "lost", message: `the event stream of ${client.base} ended` }
      const tasks = await listTasks(client, options.sessionID)
      if (tasks.kind === "refused" && tasks.status < 500) return tasks
      if (tasks.kind !== "ok") return { kind: "lost", message: tasks.message }
      if (away) options.notice(dim(`reconnected to ${client.base}`))
      connectedOnce = true
      away = false
      delay = initialDelay
      if (!tasks.value.length) options.print(dim("no background tasks"))
      for (const task of tasks.value) options.print(taskRow(task))
      listed = true
      for (const event of held.splice(0)) show(event)
      await reading
      return { kind: "lost", message: `the event stream of ${client.base} ended` }
    } finally {
      clearTimeout(idle)
      signal.removeEventListener("abort", stop)
      controller.abort()
    }
  }

  while (!signal.aborted) {
    const ended = await connect()
    if (signal.aborted) break
    if (ended.kind === "refused") return { ok: false, message: ended.message }
    if (!connectedOnce) return { ok: false, message: ended.message }
    if (!away) options.notice(dim("server went away; reconnecting…"))
    away = true
    await pause(delay, signal)
    delay = Math.min(delay * 2, options.maxDelayMs ?? 5000)
  }
  return { ok: true }
}
