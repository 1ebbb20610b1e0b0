import type { TaskInfo } from "@tandem/core/task/task-info"
import { passwordFromEnv } from "@tandem/server/app"
import { readEvents } from "@tandem/server/read-events"
import { commandArgs, type CommandSpec } from "../args"
import { dim, red } from "../render"
import { taskLine } from "../render-tasks"

type Client = { get(path: string): Promise<Response>; post(path: string): Promise<Response> }

function client(base: string): Client {
  const password = passwordFromEnv()
  const headers: Record<string, string> = password ? { authorization: `Basic ${btoa(`opencode:${password}`)}` } : {}
  return {
    get: (path) => fetch(base + path, { headers }),
    post: (path) => fetch(base + path, { method: "POST", headers }),
  }
}

const figures = (task: TaskInfo) => ({
  steps: task.usage.steps,
  tokens: task.usage.tokens.input + task.usage.tokens.output,
})

async function failure(res: Response) {
  const body = (await res.json().catch(() => ({}))) as { data?: { message?: string } }
  return body.data?.message ?? `HTTP ${res.status}`
}

export const tasksSpec = {
  name: "tasks",
  summary: "list, follow and cancel the background tasks of a running tandem serve",
  usage: "[options]",
  flags: {
    url: { type: "string", value: "url", description: "the server (default http://127.0.0.1:4096)" },
    session: { type: "string", value: "ID", description: "only the tasks of this parent session" },
    watch: {
      type: "boolean",
      short: "w",
      description: "list, then print each change as it happens; reconnects if the server restarts (Ctrl-C stops)",
    },
    cancel: { type: "string", value: "TASK_ID", description: "cancel this task (and the tasks it started)" },
  },
  notes: [
    "Environment:",
    "  TANDEM_SERVER_PASSWORD  the server's password, when it was started with one; OPENCODE_SERVER_PASSWORD also works",
  ],
} satisfies CommandSpec

/** `tandem tasks`: lists, follows and cancels the background tasks of a running server. */
export async function tasksCommand(args: string[]) {
  const parsed = commandArgs(tasksSpec, args)
  if (typeof parsed === "number") return parsed
  const base = (parsed.values.url ?? "http://127.0.0.1:4096").replace(/\/$/, "")
  const api = client(base)
  try {
    if (parsed.values.cancel) {
      const res = await api.post(`/task/${encodeURIComponent(parsed.values.cancel)}/cancel`)
      if (!res.ok) {
        console.error(red(`tandem tasks: ${await failure(res)}`))
        return 1
      }
      const task = (await res.json()) as TaskInfo
      console.log(taskLine(task, figures(task)))
      return 0
    }
    const res = await api.get(
      parsed.values.session ? `/session/${encodeURIComponent(parsed.values.session)}/task` : "/task",
    )
    if (!res.ok) {
      console.error(red(`tandem tasks: ${await failure(res)}`))
      return 1
    }
    const tasks = ((await res.json()) as TaskInfo[]).sort((a, b) => a.id.localeCompare(b.id))
    if (!tasks.length) console.log(dim("no background tasks"))
    for (const task of tasks) console.log(`${dim(task.id)} ${taskLine(task, figures(task))}`)
    if (!parsed.values.watch) return 0
    const events = await api.get("/event")
    if (!events.ok) {
      console.error(red(`tandem tasks: ${await failure(events)}`))
      return 1
    }
    await readEvents(events.body!, (event) => {
      if (event.type === "task.created" || event.type === "task.updated") {
        const task = event.properties.task as TaskInfo
        if (parsed.values.session && task.parentSessionID !== parsed.values.session) return
        console.log(`${dim(task.id)} ${taskLine(task, figures(task))}`)
      }
      if (event.type === "task.delivered")
        console.log(dim(`${event.properties.taskID} delivered to ${event.properties.parentSessionID}`))
    })
    return 0
  } catch (error) {
    console.error(red(`tandem tasks: cannot reach ${base}: ${error instanceof Error ? error.message : String(error)}`))
    return 1
  }
}
