import { z } from "zod"
import { defineEvent } from "../bus/bus"
import { Tokens } from "../session/message"
import { TaskInfo } from "./task-info"

export const TaskCreated = defineEvent("task.created", z.object({ task: TaskInfo }))
export const TaskUpdated = defineEvent("task.updated", z.object({ task: TaskInfo }))
export const TaskProgress = defineEvent(
  "task.progress",
  z.object({
    taskID: z.string(),
    sessionID: z.string(),
    parentSessionID: z.string(),
    steps: z.number(),
    toolCalls: z.number(),
    tool: z.string().optional(),
    tokens: Tokens,
    lastActivity: z.number(),
  }),
)
export const TaskDelivered = defineEvent(
  "task.delivered",
  z.object({
    taskID: z.string(),
    parentSessionID: z.string(),
    messageID: z.string(),
    partID: z.string(),
    via: z.enum(["step", "idle", "collected"]),
  }),
)
export const TaskSteered = defineEvent(
  "task.steered",
  z.object({
    taskID: z.string(),
    /** The child session the message was appended to. */
    sessionID: z.string(),
    /** The user message the child sees before its next model call. */
    messageID: z.string(),
    /** The id `POST /task/:id/message` answered with when it queued the message. */
    steerID: z.string(),
  }),
)
