import { Hono, type Context } from "hono"
import { z } from "zod"
import type { Engine } from "@tandem/core/engine"
import { PromptError, PromptInput } from "@tandem/core/session/prompt"
import { ModelNotFoundError } from "@tandem/core/provider/provider"
import { badRequest, notFound, readBody, readQuery } from "../errors"

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

const sessionParam = (c: Context) => c.req.param("sessionID") ?? ""

/** A failure the caller caused (bad agent or model): 400 with the reason; anything else is a bug. */
function promptFailure(c: Context, error: unknown) {
  if (error instanceof PromptError || error instanceof ModelNotFoundError) return badRequest(c, error.message)
  throw error
}

/** Session routes in opencode 1.18.33's shapes. */
export function sessionRoutes(engine: Engine) {
  const { store } = engine
  const withSession = (c: Context) => {
    const id = sessionParam(c)
    if (!id.startsWith("ses_")) return { error: badRequest(c, `"${id}" is not a session id (ses_…)`, "Params") }
    const session = store.getSession(id)
    if (!session) return { error: notFound(c, `session ${id} not found`) }
    return { session }
  }

  return new Hono()
    .post("/session", async (c) => {
      const body = await readBody(c, CreateSessionBody)
      if (!body.ok) return badRequest(c, body.message)
      if (body.data.parentID && !store.getSession(body.data.parentID))
        return notFound(c, `parent session ${body.data.parentID} not found`)
      if (body.data.agent && !engine.agents.has(body.data.agent))
        return badRequest(c, `agent "${body.data.agent}" does not exist`)
      const info = store.createSession({
        directory: engine.directory,
        parentID: body.data.parentID,
        title: body.data.title,
        agent: body.data.agent,
        model: body.data.model ? { providerID: body.data.model.providerID, modelID: body.data.model.id } : undefined,
      })
      return c.json(info)
    })
    .get("/session", (c) => {
      const query = readQuery(c, ListQuery)
      if (!query.ok) return badRequest(c, query.message, "Query")
      let list = store.listSessions({ roots: query.data.roots === "true", directory: engine.directory })
      if (query.data.search) {
        const needle = query.data.search.toLowerCase()
        list = list.filter((session) => session.title.toLowerCase().includes(needle))
      }
      return c.json(query.data.limit ? list.slice(0, query.data.limit) : list)
    })
    .get("/session/status", (c) => c.json(engine.status.all()))
    .get("/session/:sessionID", (c) => {
      const found = withSession(c)
      return found.error ?? c.json(found.session)
    })
    .patch("/session/:sessionID", async (c) => {
      const found = withSession(c)
      if (found.error) return found.error
      const body = await readBody(c, UpdateSessionBody)
      if (!body.ok) return badRequest(c, body.message)
      const next = store.updateSession(found.session.id, (info) => ({
        ...info,
        title: body.data.title ?? info.title,
        time: { ...info.time, ...body.data.time },
      }))
      return c.json(next)
    })
    .delete("/session/:sessionID", (c) => {
      const found = withSession(c)
      if (found.error) return found.error
      engine.deleteSession(found.session.id)
      return c.json(true)
    })
    .get("/session/:sessionID/children", (c) => {
      const found = withSession(c)
      return found.error ?? c.json(store.children(found.session.id))
    })
    .post("/session/:sessionID/abort", (c) => {
      const found = withSession(c)
      if (found.error) return found.error
      engine.runner.abort(found.session.id)
      return c.json(true)
    })
    .get("/session/:sessionID/message", (c) => {
      const found = withSession(c)
      if (found.error) return found.error
      const query = readQuery(c, MessagesQuery)
      if (!query.ok) return badRequest(c, query.message, "Query")
      return c.json(store.messages(found.session.id, query.data.limit || undefined))
    })
    .get("/session/:sessionID/message/:messageID", (c) => {
      const found = withSession(c)
      if (found.error) return found.error
      const message = store.getMessage(found.session.id, c.req.param("messageID"))
      return message ? c.json(message) : notFound(c, `message ${c.req.param("messageID")} not found`)
    })
    .post("/session/:sessionID/message", async (c) => {
      const found = withSession(c)
      if (found.error) return found.error
      const body = await readBody(c, PromptInput)
      if (!body.ok) return badRequest(c, body.message)
      try {
        return c.json(await engine.runner.prompt(found.session.id, body.data))
      } catch (error) {
        return promptFailure(c, error)
      }
    })
    .post("/session/:sessionID/prompt_async", async (c) => {
      const found = withSession(c)
      if (found.error) return found.error
      const body = await readBody(c, PromptInput)
      if (!body.ok) return badRequest(c, body.message)
      try {
        engine.runner.write(found.session.id, body.data)
      } catch (error) {
        return promptFailure(c, error)
      }
      if (!body.data.noReply) void engine.runner.resume(found.session.id)
      return c.body(null, 204)
    })
    .get("/session/:sessionID/todo", (c) => withSession(c).error ?? c.json([]))
    .get("/session/:sessionID/diff", (c) => withSession(c).error ?? c.json([]))
}
