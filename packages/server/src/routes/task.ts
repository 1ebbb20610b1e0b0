import { Hono } from "hono"
import { z } from "zod"
import type { Engine } from "@tandem/core/engine"
import { TaskInfo } from "@tandem/core/task/task-info"
import { conflict, notFound } from "../errors"
import { describe } from "../contract"
import { body, params } from "../validate"
import { loadSession } from "../load-session"

/** How long the cancel route waits for the task to reach its final state before answering. */
export const CANCEL_WAIT_MS = 5_000

/** A task is named, as upstream names it, by its child session's id; tasks of older databases by their tsk_ id. */
const TaskParams = z.object({
  taskID: z.string().refine((id) => id.startsWith("tsk_") || id.startsWith("ses_"), {
    error: (issue) => `"${issue.input}" is not a task id (ses_…)`,
  }),
})

/** A steering message for a running child: what it is told before its next model call. */
export const SteerBody = z
  .object({ text: z.string().trim().min(1, { error: "text is empty" }) })
  .meta({ id: "SteerBody" })

/** The answer to a steering message: queued for the child's next step boundary. */
export const SteerResult = z
  .object({
    queued: z.literal(true),
    id: z
      .string()
      .describe("The queued message: the child's user message takes this id when it can; task.steered names both"),
    task: TaskInfo,
  })
  .meta({ id: "SteerResult" })

/** Background task routes, and opencode's experimental background switch and capabilities. */
export function taskRoutes(engine: Engine) {
  const { background } = engine
  return new Hono()
    .get(
      "/experimental/capabilities",
      describe({ id: "experimental.capabilities.get", summary: "What this server can do" }),
      (c) => c.json({ backgroundSubagents: true }),
    )
    .get(
      "/session/:sessionID/task",
      describe({ id: "task.list", summary: "Background tasks of a session", response: z.array(TaskInfo) }),
      loadSession(engine.sessions),
      (c) => c.json(background.list(c.var.session.id)),
    )
    .get("/task", describe({ id: "task.all", summary: "Recent background tasks", response: z.array(TaskInfo) }), (c) =>
      c.json(engine.background.listAll()),
    )
    .get("/task/:taskID", describe({ id: "task.get", summary: "One background task", response: TaskInfo }), (c) => {
      const task = background.get(c.req.param("taskID"))
      return task ? c.json(task) : notFound(c, `task ${c.req.param("taskID")} not found`)
    })
    .post(
      "/task/:taskID/cancel",
      describe({ id: "task.cancel", summary: "Cancel a task and its descendants", response: TaskInfo }),
      params(TaskParams),
      async (c) => {
        const id = c.req.valid("param").taskID
        const task = background.cancel(id, "cancelled through the API")
        if (!task) return notFound(c, `task ${id} not found`)
        await background.wait([task.id], "all", CANCEL_WAIT_MS)
        return c.json(background.get(task.id))
      },
    )
    .post(
      "/task/:taskID/message",
      describe({
        id: "task.message",
        summary: "Steer a running task: a message it sees before its next model call",
        response: SteerResult,
      }),
      params(TaskParams),
      body(SteerBody),
      (c) => {
        const id = c.req.valid("param").taskID
        const sent = background.steering.send(id, c.req.valid("json").text)
        if (sent.kind === "not-found") return notFound(c, `task ${id} not found`)
        if (sent.kind === "finished")
          return conflict(c, `task ${sent.task.id} has ended (${sent.task.state}); it takes no more messages`)
        return c.json({ queued: true as const, id: sent.id, task: sent.task })
      },
    )
    .post(
      "/experimental/session/:sessionID/background",
      describe({
        id: "experimental.session.background",
        summary: "Move running foreground tasks to the background; true when any moved",
        response: z.boolean(),
      }),
      loadSession(engine.sessions),
      // opencode answers a boolean, which its SDK and TUI expect.
      (c) => c.json(engine.subagents.moveToBackground(c.var.session.id) > 0),
    )
}
