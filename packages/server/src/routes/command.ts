import { Hono, type Context } from "hono"
import { z } from "zod"
import type { Engine } from "@tandem/core/engine"
import { CommandInfo } from "@tandem/core/command/command-info"
import { CommandInput, type Refused } from "@tandem/core/command/commands"
import { ShellInput } from "@tandem/core/command/shell"
import { BadIdError, IdTakenError } from "@tandem/core/session/client-ids"
import { WithParts } from "@tandem/core/session/message"
import { PromptError } from "@tandem/core/session/prompt"
import { ModelNotFoundError } from "@tandem/core/provider/provider"
import { badRequest, conflict, notFound } from "../errors"
import { describe } from "../contract"
import { body, params } from "../validate"
import { loadSession, SessionParams } from "../load-session"

/** opencode's answer to a shell command on a busy session (409). */
export const SessionBusyError = z
  .object({ _tag: z.literal("SessionBusyError"), sessionID: z.string(), message: z.string() })
  .meta({ id: "SessionBusyError" })

function refused(c: Context, sessionID: string, refusal: Refused) {
  if (refusal.refused === "command") return notFound(c, refusal.message)
  return c.json({ _tag: "SessionBusyError" as const, sessionID, message: refusal.message }, 409)
}

/** A failure the caller caused (unknown agent or model, a bad or taken id); anything else is a bug. */
function failure(c: Context, error: unknown) {
  if (error instanceof IdTakenError) return conflict(c, error.message)
  if (error instanceof PromptError || error instanceof ModelNotFoundError || error instanceof BadIdError)
    return badRequest(c, error.message)
  throw error
}

/** Slash commands and the user's shell commands, in opencode 1.18.33's shapes. */
export function commandRoutes(engine: Engine) {
  const { commands, sessions } = engine
  const session = [params(SessionParams), loadSession(sessions)] as const
  return new Hono()
    .get("/command", describe({ id: "command.list", summary: "List commands", response: z.array(CommandInfo) }), (c) =>
      c.json(commands.list()),
    )
    .post(
      "/session/:sessionID/shell",
      describe({ id: "session.shell", summary: "Run a shell command as the user", response: WithParts }),
      ...session,
      body(ShellInput),
      async (c) => {
        const id = c.var.session.id
        try {
          const result = await commands.shell(id, c.req.valid("json"))
          return "refused" in result ? refused(c, id, result) : c.json(result)
        } catch (error) {
          return failure(c, error)
        }
      },
    )
    .post(
      "/session/:sessionID/command",
      describe({ id: "session.command", summary: "Run a command", response: WithParts }),
      ...session,
      body(CommandInput),
      async (c) => {
        const id = c.var.session.id
        try {
          const result = await commands.run(id, c.req.valid("json"))
          return "refused" in result ? refused(c, id, result) : c.json(result)
        } catch (error) {
          return failure(c, error)
        }
      },
    )
}
