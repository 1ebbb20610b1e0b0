import { z } from "zod"
import { Tokens } from "../session/message"
import { TaskChanges, WorktreeInfo } from "./worktree"

/** A background task's life: queued → running → completed | error | cancelled | interrupted. */
export const TaskState = z.enum(["queued", "running", "completed", "error", "cancelled", "interrupted"])
export type TaskState = z.infer<typeof TaskState>

export const TERMINAL: ReadonlySet<TaskState> = new Set(["completed", "error", "cancelled", "interrupted"])

export const TaskUsage = z.object({ tokens: Tokens, cost: z.number(), steps: z.number() })
export type TaskUsage = z.infer<typeof TaskUsage>

/** One row of the task ledger: everything needed to run, report, deliver and recover a task. */
export const TaskInfo = z
  .object({
    id: z
      .string()
      .describe(
        "The child session's id (ses_…), as upstream names a task; tsk_… for tasks of older databases and a blocking call moved to the background a second time",
      ),
    parentSessionID: z.string(),
    parentMessageID: z.string(),
    parentCallID: z.string(),
    sessionID: z.string().describe("The child session that does the work"),
    agent: z.string(),
    model: z.object({ providerID: z.string(), modelID: z.string() }),
    description: z.string(),
    prompt: z.string(),
    state: TaskState,
    attempts: z.number(),
    usage: TaskUsage,
    /** The child's final text (or the reason it stopped), uncapped; delivery caps it. */
    result: z.string().optional(),
    error: z.string().optional(),
    /** Why a budget or a cancel ended the task early, when one did. */
    reason: z.string().optional(),
    time: z.object({
      created: z.number(),
      started: z.number().optional(),
      ended: z.number().optional(),
      delivered: z.number().optional(),
    }),
    /** The git worktree and branch of an isolated task (`isolation: "worktree"`). */
    worktree: WorktreeInfo.optional(),
    /** What the child changed, written when it ends. */
    changes: TaskChanges.optional(),
    /** How the result reached the parent: appended as a synthetic part, or collected by task_status. */
    delivery: z.enum(["pending", "delivered", "collected"]),
  })
  .meta({ id: "Task" })
export type TaskInfo = z.infer<typeof TaskInfo>
