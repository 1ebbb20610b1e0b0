import { Hono } from "hono"
import { z } from "zod"
import type { Engine } from "@tandem/core/engine"
import { notFound } from "../errors"
import { params } from "../validate"
import { loadSession } from "../load-session"

/** How long the cancel route waits for the task to reach its final state before answering. */
export const CANCEL_WAIT_MS = 5_000

/** A task is named by its own id or, as upstream does, by its child session's. */
const TaskParams = z.object({
  taskID: z.string().refine((id) => id.startsWith("tsk_") || id.startsWith("ses_"), {
    error: (issue) => `"${issue.input}" is not a task id (tsk_…)`,
  }),
})

/** Background task routes, and opencode's experimental background switch and capabilities. */
export function taskRoutes(engine: Engine) {
  const { background } = engine
  return new Hono()
    .get("/experimental/capabilities", (c) => c.json({ backgroundSubagents: true }))
    .get("/session/:sessionID/task", loadSession(engine.store), (c) => c.json(background.list(c.var.session.id)))
    .get("/task", (c) => c.json(engine.ledger.listAll()))
    .get("/task/:taskID", (c) => {
      const task = background.get(c.req.param("taskID"))
      return task ? c.json(task) : notFound(c, `task ${c.req.param("taskID")} not found`)
    })
    .post("/task/:taskID/cancel", params(TaskParams), async (c) => {
      const id = c.req.valid("param").taskID
      const task = background.cancel(id, "cancelled through the API")
      if (!task) return notFound(c, `task ${id} not found`)
      await background.wait([task.id], "all", CANCEL_WAIT_MS)
      return c.json(background.get(task.id))
    })
    .post("/experimental/session/:sessionID/background", loadSession(engine.store), (c) =>
      c.json({ moved: engine.moveToBackground(c.var.session.id) }),
    )
}
