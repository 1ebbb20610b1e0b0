import { Hono, type Context } from "hono"
import { z } from "zod"
import type { Engine } from "@tandem/core/engine"
import { PromptError, PromptInput } from "@tandem/core/session/prompt"
import { BadIdError, IdTakenError } from "@tandem/core/session/client-ids"
import { ModelNotFoundError } from "@tandem/core/provider/provider"
import { SessionInfo } from "@tandem/core/session/session-info"
import { SessionError } from "@tandem/core/session/events"
import { TreeUsage } from "@tandem/core/task/tree-usage"
import { badRequest, notFound } from "../errors"
import { describe } from "../contract"
import { body, params, query } from "../validate"
import { loadSession, SessionParams } from "../load-session"

/** The longest session title accepted: titles are sent with every session list. */
export const TITLE_MAX = 1024
const Title = z.string().max(TITLE_MAX, { error: `title is longer than ${TITLE_MAX} characters` })

export const CreateSessionBody = z
  .object({
    parentID: z.string().startsWith("ses_").optional(),
    title: Title.optional(),
    agent: z.string().optional(),
    model: z.object({ id: z.string(), providerID: z.string(), variant: z.string().optional() }).optional(),
  })
  .meta({ id: "CreateSessionBody" })

export const UpdateSessionBody = z
  .object({
    title: Title.optional(),
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

/**
 * A failure the caller caused (bad agent or model): 400 with the reason; anything else is a bug.
 * A prompt without a usable model is also announced as `session.error`, which opencode's terminal
 * UI shows, with how to configure one.
 */
function promptFailure(c: Context, engine: Engine, sessionID: string, error: unknown) {
  if (error instanceof IdTakenError)
    return c.json({ name: "ConflictError" as const, data: { message: error.message } }, 409)
  if (error instanceof ModelNotFoundError) {
    engine.bus.publish(SessionError, { sessionID, error: { name: "UnknownError", data: { message: error.message } } })
    return c.json({ name: "ProviderModelNotFoundError" as const, data: { message: error.message } }, 400)
  }
  if (error instanceof PromptError || error instanceof BadIdError) return badRequest(c, error.message)
  throw error
}

/** Session routes in opencode 1.18.33's shapes; todos, which the attached terminal UI reads, are empty. */
export function sessionRoutes(engine: Engine) {
  const { sessions } = engine
  // Every `/session/:sessionID…` route: a malformed id is a 400, an unknown one a 404.
  const session = [params(SessionParams), loadSession(sessions)] as const

  return new Hono()
    .post(
      "/session",
      describe({ id: "session.create", summary: "Create a session", response: SessionInfo }),
      body(CreateSessionBody),
      (c) => {
        const { model, ...rest } = c.req.valid("json")
        const created = sessions.create({
          ...rest,
          model: model ? { providerID: model.providerID, modelID: model.id } : undefined,
        })
        if ("refused" in created)
          return created.refused === "parent" ? notFound(c, created.message) : badRequest(c, created.message)
        return c.json(created)
      },
    )
    .get(
      "/session",
      describe({ id: "session.list", summary: "List sessions", response: z.array(SessionInfo) }),
      query(ListQuery),
      (c) => {
        const { roots, search, limit } = c.req.valid("query")
        return c.json(sessions.list({ roots: roots === "true", search, limit }))
      },
    )
    .get("/session/status", describe({ id: "session.status", summary: "Busy and retrying sessions" }), (c) =>
      c.json(engine.status.all()),
    )
    .get(
      "/session/:sessionID",
      describe({ id: "session.get", summary: "One session", response: SessionInfo }),
      ...session,
      (c) => c.json(c.var.session),
    )
    .patch(
      "/session/:sessionID",
      describe({ id: "session.update", summary: "Rename or archive", response: SessionInfo }),
      ...session,
      body(UpdateSessionBody),
      (c) => {
        const { title, time } = c.req.valid("json")
        return c.json(sessions.update(c.var.session.id, { title, archived: time?.archived }))
      },
    )
    .delete(
      "/session/:sessionID",
      describe({ id: "session.delete", summary: "Delete a session and its children" }),
      ...session,
      (c) => {
        sessions.delete(c.var.session.id)
        return c.json(true)
      },
    )
    .get(
      "/session/:sessionID/children",
      describe({ id: "session.children", summary: "Child sessions", response: z.array(SessionInfo) }),
      ...session,
      (c) => c.json(sessions.children(c.var.session.id)),
    )
    .post(
      "/session/:sessionID/abort",
      describe({ id: "session.abort", summary: "Abort the running turn" }),
      ...session,
      (c) => {
        sessions.abort(c.var.session.id)
        return c.json(true)
      },
    )
    .get(
      "/session/:sessionID/usage",
      describe({ id: "session.usage", summary: "Usage of a session and all its descendants", response: TreeUsage }),
      ...session,
      (c) => c.json(engine.background.usage(c.var.session.id)),
    )
    .get(
      "/session/:sessionID/message",
      describe({ id: "session.messages", summary: "Messages with parts" }),
      ...session,
      query(MessagesQuery),
      (c) => c.json(sessions.messages(c.var.session.id, c.req.valid("query").limit || undefined)),
    )
    .get(
      "/session/:sessionID/message/:messageID",
      describe({ id: "session.message", summary: "One message with parts" }),
      ...session,
      (c) => {
        const message = sessions.message(c.var.session.id, c.req.param("messageID"))
        return message ? c.json(message) : notFound(c, `message ${c.req.param("messageID")} not found`)
      },
    )
    .post(
      "/session/:sessionID/message",
      describe({ id: "session.prompt", summary: "Prompt and wait for the reply" }),
      ...session,
      body(PromptInput),
      async (c) => {
        const id = c.var.session.id
        try {
          // A running background child takes a prompt as steering, inside its task's own loop.
          const steered = engine.background.steering.prompt(id, c.req.valid("json"))
          if (!steered) return c.json(await engine.runner.prompt(id, c.req.valid("json")))
          await engine.background.steering.answered(id, steered.id)
          return c.json(sessions.messages(id).at(-1))
        } catch (error) {
          return promptFailure(c, engine, c.var.session.id, error)
        }
      },
    )
    .post(
      "/session/:sessionID/prompt_async",
      describe({ id: "session.prompt_async", summary: "Prompt without waiting (204)" }),
      ...session,
      body(PromptInput),
      (c) => {
        const input = c.req.valid("json")
        try {
          if (engine.background.steering.prompt(c.var.session.id, input)) return c.body(null, 204)
          engine.runner.write(c.var.session.id, input)
        } catch (error) {
          return promptFailure(c, engine, c.var.session.id, error)
        }
        if (!input.noReply) void engine.runner.resume(c.var.session.id)
        return c.body(null, 204)
      },
    )
    .get("/session/:sessionID/todo", describe({ id: "session.todo", summary: "Todos (none)" }), ...session, (c) =>
      c.json([]),
    )
}
