import { z } from "zod"
import type { BackgroundTasks } from "../task/background"
import { resultText } from "../task/format"
import { TERMINAL, type TaskInfo } from "../task/task-info"
import { defineTool, fail } from "./tool"
import statusTemplate from "./task-status.txt" with { type: "text" }
import cancelDescription from "./task-cancel.txt" with { type: "text" }

export const DEFAULT_WAIT_MS = 60_000
export const MAX_WAIT_MS = 600_000

function line(task: TaskInfo) {
  const elapsed = ((task.time.ended ?? Date.now()) - (task.time.started ?? task.time.created)) / 1000
  return `${task.id} [${task.state}] ${task.description} (@${task.agent}, ${task.usage.steps} steps, ${elapsed.toFixed(1)}s, session ${task.sessionID})`
}

/** `task_status`: lists this session's background tasks, optionally waiting for any or all. */
export function createTaskStatusTool(background: BackgroundTasks, resultChars: number) {
  return defineTool({
    id: "task_status",
    description: statusTemplate
      .replaceAll("{{DEFAULT_TIMEOUT_MS}}", String(DEFAULT_WAIT_MS))
      .replaceAll("{{MAX_TIMEOUT_MS}}", String(MAX_WAIT_MS)),
    parameters: z.object({
      task_id: z
        .string()
        .optional()
        .describe("One task's id (the id its receipt shows); all of this session's tasks when omitted"),
      wait: z.enum(["none", "any", "all"]).optional().describe("Wait until any or all of the tasks have finished"),
      timeout_ms: z.number().int().min(0).max(MAX_WAIT_MS).optional().describe("Longest wait in milliseconds"),
    }),
    async execute(args, ctx) {
      const mine = background.list(ctx.sessionID)
      const selected = args.task_id ? mine.filter((t) => t.id === args.task_id || t.sessionID === args.task_id) : mine
      if (args.task_id && !selected.length) return fail(`no background task ${args.task_id} in this session`)
      if (!selected.length)
        return { title: "No background tasks", output: "This session has no background tasks.", metadata: {} }
      if (args.wait && args.wait !== "none")
        await background.wait(
          selected.map((t) => t.id),
          args.wait,
          args.timeout_ms ?? DEFAULT_WAIT_MS,
          ctx.abort,
        )
      const current = background.collect(selected.map((t) => t.id)).filter((t): t is TaskInfo => !!t)
      const output = current
        .map((task) =>
          TERMINAL.has(task.state) && task.delivery === "collected" && task.time.delivered
            ? resultText(task, resultChars, true)
            : line(task),
        )
        .join("\n\n")
      const open = current.filter((t) => !TERMINAL.has(t.state)).length
      return {
        title: `${current.length - open} finished, ${open} running`,
        output,
        metadata: { tasks: current.map((t) => t.id) },
      }
    },
  })
}

/** `task_cancel`: cancels one of this session's background tasks and its descendants. */
export function createTaskCancelTool(background: BackgroundTasks) {
  return defineTool({
    id: "task_cancel",
    description: cancelDescription,
    parameters: z.object({ task_id: z.string().describe("The task's id (the id its receipt shows)") }),
    async execute(args, ctx) {
      const task = background.get(args.task_id)
      if (!task || task.parentSessionID !== ctx.sessionID)
        return fail(`no background task ${args.task_id} in this session`)
      if (TERMINAL.has(task.state)) return fail(`task ${task.id} already ended (${task.state})`)
      background.cancel(task.id, "cancelled by the parent agent")
      return {
        title: `Cancelled ${task.description}`,
        output: `Cancelled ${task.id}. Its result will be delivered marked "cancelled".`,
        metadata: { taskID: task.id },
      }
    },
  })
}
