import { Hono } from "hono"
import { z } from "zod"
import type { Engine } from "@tandem/core/engine"
import { ModelNotFoundError } from "@tandem/core/provider/provider"
import { badRequest } from "../errors"
import { describe } from "../contract"
import { body, params } from "../validate"
import { loadSession, SessionParams } from "../load-session"

/** The body of `POST /session/:id/summarize`, as opencode 1.18.33 takes it. */
export const SummarizeBody = z
  .object({ providerID: z.string(), modelID: z.string(), auto: z.boolean().optional() })
  .meta({ id: "SummarizeBody" })

/** Compaction: a summary of the session that later model calls start from (see the README). */
export function compactionRoutes(engine: Engine) {
  return new Hono().post(
    "/session/:sessionID/summarize",
    describe({ id: "session.summarize", summary: "Summarize the session (compaction)", response: z.boolean() }),
    params(SessionParams),
    loadSession(engine.sessions),
    body(SummarizeBody),
    async (c) => {
      try {
        await engine.runner.summarize(c.var.session.id, c.req.valid("json"))
      } catch (error) {
        if (error instanceof ModelNotFoundError) return badRequest(c, error.message)
        throw error
      }
      return c.json(true)
    },
  )
}
