import { Hono, type Context } from "hono"
import { z } from "zod"
import type { Engine } from "@tandem/core/engine"
import { PromptError, PromptInput } from "@tandem/core/session/prompt"
import { ModelNotFoundError } from "@tandem/core/provider/provider"
import { badRequest, notFound } from "../errors"
import { body, params, query } from "../validate"
import { loadSession, SessionParams } from "../load-session"

export const CreateSessionBody = z
  .object({
    parentID: z.string().startsWith("ses_").optional(),
    title: z.string().optional(),
    agent: z.string().optional(),
    model: z.object({ id: z.string(), providerID: z.string(), variant: z.string().optional() }).optional(),
  })
  .meta({ id: "CreateSessionBody" })

export const UpdateSessionBody = z
  .object({
    title: z.string().optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
    time: z.object({ archived: z.number().optional() }).optional(),
  })
  .meta({ id: "UpdateSessionBody" })

const ListQuery = z.object({
  roots: z.enum(["true", "false"]).optional(),
  limit: z.coerce.number().int().min(1).optional(),
  search: z.string().optional(),
  directory: z.string().optional(),
})

const MessagesQuery = z.object({ limit: z.coerce.number().int().min(0).optional(), directory: z.string().optional() })

/** A failure the caller caused (bad agent or model): 400 with the reason; anything else is a bug. */
function promptFailure(c: Context, error: unknown) {
  if (error instanceof PromptError || error instanceof ModelNotFoundError) return badRequest(c, error.message)
  throw error
}

/** Session routes in opencode 1.18.33's shapes. */
export function sessionRoutes(engine: Engine) {
  const { store } = engine
  // Every `/session/:sessionID…` route: a malformed id is a 400, an unknown one a 404.
  const session = [params(SessionParams), loadSession(store)] as const

  return (
    new Hono()
      .post("/session", body(CreateSessionBody), (c) => {
        const { parentID, title, agent, model } = c.req.valid("json")
        if (parentID && !store.getSession(parentID)) return notFound(c, `parent session ${parentID} not found`)
        if (agent && !engine.agents.has(agent)) return badRequest(c, `agent "${agent}" does not exist`)
        const info = store.createSession({
          directory: engine.directory,
          parentID,
          title,
          agent,
          model: model ? { providerID: model.providerID, modelID: model.id } : undefined,
        })
        return c.json(info)
      })
      .get("/session", query(ListQuery), (c) => {
        const { roots, search, limit } = c.req.valid("query")
        let list = store.listSessions({ roots: roots === "true", directory: engine.directory })
        if (search) {
          const needle = search.toLowerCase()
          list = list.filter((session) => session.title.toLowerCase().includes(needle))
        }
        return c.json(limit ? list.slice(0, limit) : list)
      })
      .get("/session/status", (c) => c.json(engine.status.all()))
      .get("/session/:sessionID", ...session, (c) => c.json(c.var.session))
      .patch("/session/:sessionID", ...session, body(UpdateSessionBody), (c) => {
        const { title, time } = c.req.valid("json")
        const next = store.updateSession(c.var.session.id, (info) => ({
          ...info,
          title: title ?? info.title,
          time: { ...info.time, ...time },
        }))
        return c.json(next)
      })
      .delete("/session/:sessionID", ...session, (c) => {
        engine.deleteSession(c.var.session.id)
        return c.json(true)
      })
      .get("/session/:sessionID/children", ...session, (c) => c.json(store.children(c.var.session.id)))
      .post("/session/:sessionID/abort", ...session, (c) => {
        engine.runner.abort(c.var.session.id)
        return c.json(true)
      })
      .get("/session/:sessionID/message", ...session, query(MessagesQuery), (c) =>
        c.json(store.messages(c.var.session.id, c.req.valid("query").limit || undefined)),
      )
      .get("/session/:sessionID/message/:messageID", ...session, (c) => {
        const message = store.getMessage(c.var.session.id, c.req.param("messageID"))
        return message ? c.json(message) : notFound(c, `message ${c.req.param("messageID")} not found`)
      })
      .post("/session/:sessionID/message", ...session, body(PromptInput), async (c) => {
        try {
          return c.json(await engine.runner.prompt(c.var.session.id, c.req.valid("json")))
        } catch (error) {
          return promptFailure(c, error)
        }
      })
      .post("/session/:sessionID/prompt_async", ...session, body(PromptInput), (c) => {
        const input = c.req.valid("json")
        try {
          engine.runner.write(c.var.session.id, input)
        } catch (error) {
          return promptFailure(c, error)
        }
        if (!input.noReply) void engine.runner.resume(c.var.session.id)
        return c.body(null, 204)
      })
      // The terminal UI reads these when it attaches; Tandem keeps no todos or diffs.
      .get("/session/:sessionID/todo", ...session, (c) => c.json([]))
      .get("/session/:sessionID/diff", ...session, (c) => c.json([]))
  )
}
