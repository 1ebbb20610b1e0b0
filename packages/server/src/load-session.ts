import type { MiddlewareHandler } from "hono"
import { z } from "zod"
import type { Sessions } from "@tandem/core/session/sessions"
import type { SessionInfo } from "@tandem/core/session/session-info"
import { notFound } from "./errors"

/** What a route behind `loadSession` finds in its context: `c.var.session`. */
export type SessionEnv = { Variables: { session: SessionInfo } }

/** A `:sessionID` that is a session id, for `params()`: anything else is a 400. */
export const SessionParams = z.object({
  sessionID: z.string().startsWith("ses_", { error: (issue) => `"${issue.input}" is not a session id (ses_…)` }),
})

/** Loads the session named by `:sessionID` into `c.var.session`; an unknown one is a 404. */
export function loadSession(sessions: Sessions): MiddlewareHandler<SessionEnv> {
  return async (c, next) => {
    const id = c.req.param("sessionID") ?? ""
    const session = sessions.get(id)
    if (!session) return notFound(c, `session ${id} not found`)
    c.set("session", session)
    await next()
  }
}
