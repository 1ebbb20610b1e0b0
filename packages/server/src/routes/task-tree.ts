import { Hono } from "hono"
import { z } from "zod"
import type { Engine } from "@tandem/core/engine"
import { TaskInfo } from "@tandem/core/task/task-info"
import { describe } from "../contract"
import { loadSession, SessionParams } from "../load-session"
import { params } from "../validate"

/** `GET /session/:id/task/tree`: every background task below a session, however deep. */
export function taskTreeRoutes(engine: Engine) {
  return new Hono().get(
    "/session/:sessionID/task/tree",
    describe({
      id: "task.tree",
      summary: "Background tasks of a session and of every session below it, each followed by its own",
      response: z.array(TaskInfo),
    }),
    params(SessionParams),
    loadSession(engine.sessions),
    (c) => c.json(tasksBelow(engine, c.var.session.id)),
  )
}

/** The tasks of `sessionID` in creation order, each followed by the tasks its child started. */
function tasksBelow(engine: Engine, sessionID: string): TaskInfo[] {
  return engine.background.list(sessionID).flatMap((task) => [task, ...tasksBelow(engine, task.sessionID)])
}
