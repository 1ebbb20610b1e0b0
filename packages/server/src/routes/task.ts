import { Hono } from "hono"
import type { Engine } from "@tandem/core/engine"
import { badRequest, notFound } from "../errors"

/** How long the cancel route waits for the task to reach its final state before answering. */
export const CANCEL_WAIT_MS = 5_000

/** Background task routes, and opencode's experimental background switch and capabilities. */
export function taskRoutes(engine: Engine) {
  const { background, store } = engine
  return new Hono()
    .get("/experimental/capabilities", (c) => c.json({ backgroundSubagents: true }))
    .get("/session/:sessionID/task", (c) => {
      const id = c.req.param("sessionID")
      if (!store.getSession(id)) return notFound(c, `session ${id} not found`)
      return c.json(background.list(id))
    })
    .get("/task", (c) => c.json(engine.ledger.listAll()))
    .get("/task/:taskID", (c) => {
      const task = background.get(c.req.param("taskID"))
      return task ? c.json(task) : notFound(c, `task ${c.req.param("taskID")} not found`)
    })
    .post("/task/:taskID/cancel", async (c) => {
      const id = c.req.param("taskID")
      if (!id.startsWith("tsk_") && !id.startsWith("ses_"))
        return badRequest(c, `"${id}" is not a task id (tsk_…)`, "Params")
      const task = background.cancel(id, "cancelled through the API")
      if (!task) return notFound(c, `task ${id} not found`)
      await background.wait([task.id], "all", CANCEL_WAIT_MS)
      return c.json(background.get(task.id))
    })
    .post("/experimental/session/:sessionID/background", (c) => {
      const id = c.req.param("sessionID")
      if (!store.getSession(id)) return notFound(c, `session ${id} not found`)
      return c.json({ moved: engine.moveToBackground(id) })
    })
}
