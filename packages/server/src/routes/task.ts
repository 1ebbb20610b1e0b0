import { Hono } from "hono"
import type { Engine } from "@tandem/core/engine"
import { badRequest, notFound } from "../errors"

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
    .post("/task/:taskID/cancel", (c) => {
      const id = c.req.param("taskID")
      if (!id.startsWith("tsk_") && !id.startsWith("ses_")) return badRequest(c, `"${id}" is not a task id (tsk_…)`, "Params")
      const task = background.cancel(id, "cancelled through the API")
      return task ? c.json(task) : notFound(c, `task ${id} not found`)
    })
    .post("/experimental/session/:sessionID/background", (c) => {
      const id = c.req.param("sessionID")
      if (!store.getSession(id)) return notFound(c, `session ${id} not found`)
      return c.json({ moved: engine.moveToBackground(id) })
    })
}
