import type { TaskInfo } from "@tandem/core/task/task-info"
import { commandArgs, type CommandSpec } from "../args"
import { dim, red } from "../render"
import { taskRow, usageLine } from "../render-tasks"
import { listTasks, serverClient, treeUsage, unreachable } from "../server-client"
import { watchTasks } from "../watch-tasks"

export const tasksSpec = {
  name: "tasks",
  summary: "list, follow, cancel and steer the background tasks of a running tandem serve",
  usage: "[options] [text]",
  flags: {
    url: { type: "string", value: "url", description: "the server (default http://127.0.0.1:4096)" },
    session: {
      type: "string",
      value: "ID",
      description: "only the tasks of this parent session, then what its whole tree spent",
    },
    watch: {
      type: "boolean",
      short: "w",
      description: "list, then print each change as it happens; reconnects if the server restarts (Ctrl-C stops)",
    },
    cancel: { type: "string", value: "TASK_ID", description: "cancel this task (and the tasks it started)" },
    message: {
      type: "string",
      value: "TASK_ID",
      description: "send the text (the arguments) to this running task; it reads it before its next model call",
    },
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
  if (parsed.positionals.length && !parsed.values.message) {
    console.error(`tandem tasks: unexpected argument "${parsed.positionals[0]}"; see tandem tasks --help`)
    return 2
  }
  const text = parsed.positionals.join(" ").trim()
  if (parsed.values.message && !text) {
    console.error(`tandem tasks: --message needs the text to send; see tandem tasks --help`)
    return 2
  }
  const fail = (message: string) => {
    console.error(red(`tandem tasks: ${message}`))
    return 1
  }
  const client = serverClient(parsed.values.url ?? "http://127.0.0.1:4096")
  if (parsed.values.cancel) {
    let res: Response
    try {
      res = await client.post(`/task/${encodeURIComponent(parsed.values.cancel)}/cancel`)
    } catch (error) {
      return fail(unreachable(client.base, error))
    }
    if (!res.ok) return fail(await client.failure(res))
    console.log(taskRow((await res.json()) as TaskInfo))
    return 0
  }
  if (parsed.values.message) {
    let res: Response
    try {
      res = await client.post(`/task/${encodeURIComponent(parsed.values.message)}/message`, { text })
    } catch (error) {
      return fail(unreachable(client.base, error))
    }
    if (!res.ok) return fail(await client.failure(res))
    const { id, task } = (await res.json()) as { id: string; task: TaskInfo }
    console.log(`${taskRow(task)}\n${dim(`message ${id} queued: the task reads it before its next model call`)}`)
    return 0
  }
  if (parsed.values.watch) {
    const controller = new AbortController()
    const stop = () => controller.abort()
    process.once("SIGINT", stop)
    process.once("SIGTERM", stop)
    const watched = await watchTasks({
      client,
      sessionID: parsed.values.session,
      print: (line) => console.log(line),
      notice: (line) => console.error(line),
      signal: controller.signal,
    })
    process.off("SIGINT", stop)
    process.off("SIGTERM", stop)
    return watched.ok ? 0 : fail(watched.message)
  }
  const tasks = await listTasks(client, parsed.values.session)
  if (tasks.kind !== "ok") return fail(tasks.message)
  if (!tasks.value.length) console.log(dim("no background tasks"))
  for (const task of tasks.value) console.log(taskRow(task))
  if (!parsed.values.session) return 0
  const usage = await treeUsage(client, parsed.values.session)
  if (usage.kind !== "ok") return fail(usage.message)
  console.log(dim(`session ${parsed.values.session} and everything below it · ${usageLine(usage.value)}`))
  return 0
}
