import { Hono, type Context } from "hono"
import { z } from "zod"
import type { Engine } from "@tandem/core/engine"
import { SessionInfo } from "@tandem/core/session/session-info"
import { SnapshotFileDiff } from "@tandem/core/snapshot/file-diff"
import type { HistoryRefused } from "@tandem/core/snapshot/history"
import { describe } from "../contract"
import { notFound } from "../errors"
import { loadSession, SessionParams } from "../load-session"
import { body, params, query } from "../validate"

export const RevertBody = z
  .object({ messageID: z.string().startsWith("msg_"), partID: z.string().startsWith("prt_").optional() })
  .meta({ id: "RevertBody" })
export const ForkBody = z.object({ messageID: z.string().startsWith("msg_").optional() }).meta({ id: "ForkBody" })
const DiffQuery = z.object({ messageID: z.string().startsWith("msg_").optional(), directory: z.string().optional() })

/** opencode's answer to a change of a working session: 409, named, with the session and a message. */
function refusal(c: Context, refused: HistoryRefused, sessionID: string) {
  if (refused.refused === "not-found") return notFound(c, refused.message)
  const { message } = refused
  return c.json({ name: "SessionBusyError", _tag: "SessionBusyError", sessionID, message, data: { message } }, 409)
}

/** Undo and redo (revert, unrevert), the file changes of a session (diff), and fork. */
export function historyRoutes(engine: Engine) {
  const { history, sessions } = engine
  const session = [params(SessionParams), loadSession(sessions)] as const

  return new Hono()
    .post(
      "/session/:sessionID/revert",
      describe({ id: "session.revert", summary: "Revert to before a message or part", response: SessionInfo }),
      ...session,
      body(RevertBody),
      async (c) => {
        const reverted = await history.revert(c.var.session.id, c.req.valid("json"))
        return "refused" in reverted ? refusal(c, reverted, c.var.session.id) : c.json(reverted)
      },
    )
    .post(
      "/session/:sessionID/unrevert",
      describe({ id: "session.unrevert", summary: "Restore reverted messages and files", response: SessionInfo }),
      ...session,
      async (c) => {
        const restored = await history.unrevert(c.var.session.id)
        return "refused" in restored ? refusal(c, restored, c.var.session.id) : c.json(restored)
      },
    )
    .get(
      "/session/:sessionID/diff",
      describe({
        id: "session.diff",
        summary: "File changes of a turn or session",
        response: z.array(SnapshotFileDiff),
      }),
      ...session,
      query(DiffQuery),
      async (c) => {
        const diff = await history.diff(c.var.session.id, c.req.valid("query").messageID)
        return "refused" in diff ? refusal(c, diff, c.var.session.id) : c.json(diff)
      },
    )
    .post(
      "/session/:sessionID/fork",
      describe({
        id: "session.fork",
        summary: "A new session with the messages before a point",
        response: SessionInfo,
      }),
      ...session,
      body(ForkBody),
      (c) => {
        const fork = history.fork(c.var.session.id, c.req.valid("json").messageID)
        return "refused" in fork ? notFound(c, fork.message) : c.json(fork)
      },
    )
}
