import type { Context } from "hono"
import { z } from "zod"
import type { Engine } from "@tandem/core/engine"
import { SessionError } from "@tandem/core/session/events"
import operations from "./upstream-operations.json"

/** The answer to a route of opencode's API that Tandem does not serve: a named error clients show. */
export const NotImplementedError = z
  .object({ name: z.literal("NotImplementedError"), data: z.object({ message: z.string() }) })
  .meta({ id: "NotImplementedError" })

/** Routes opencode's terminal UI calls that its OpenAPI document does not list. */
const undocumented: [string, string, string][] = [["get", "/project/global/directories", "project.directories"]]

type Known = { method: string; pattern: RegExp; id: string; path: string }

/** Each `[method, path, operationId]` of opencode 1.18.33 with its path as a pattern (`{id}` one segment, `*` the rest). */
const known: Known[] = [...(operations as [string, string, string][]), ...undocumented].map(([method, path, id]) => ({
  method: method.toUpperCase(),
  id,
  path,
  pattern: new RegExp(
    "^" +
      path
        .split("/")
        .map((segment) =>
          segment === "*" ? ".*" : /^\{\w+\}$/.test(segment) ? "[^/]+" : segment.replace(/\W/g, "\\$&"),
        )
        .join("/") +
      "$",
  ),
}))

/** The opencode operation a request asks for, if opencode has one at that method and path. */
export function upstreamOperation(method: string, path: string) {
  return known.find((op) => op.method === method && op.pattern.test(path))
}

/**
 * What an unmatched request gets: a route opencode has but Tandem does not serve answers 501 with
 * a `NotImplementedError` naming it (the v2 `/api` family as a whole), anything else 404. An
 * action on a session is also announced as that session's `session.error`, which opencode's
 * terminal UI shows, since it does not show the answer of such an action.
 */
export function unmatched(engine: Engine) {
  return (c: Context) => {
    const op = upstreamOperation(c.req.method, c.req.path)
    if (!op) return c.json({ name: "NotFoundError", data: { message: `no route ${c.req.method} ${c.req.path}` } }, 404)
    const what = op.path.startsWith("/api/")
      ? `opencode's v2 API (${op.id}) is not supported: tandem serves the v1 routes its clients use`
      : `${op.id} is not supported by tandem`
    const message = `${c.req.method} ${c.req.path}: ${what}`
    const sessionID = /^\/session\/(ses_[^/]+)\//.exec(c.req.path)?.[1]
    if (sessionID && c.req.method !== "GET" && engine.sessions.get(sessionID))
      engine.bus.publish(SessionError, { sessionID, error: { name: "UnknownError", data: { message } } })
    return c.json({ name: "NotImplementedError" as const, data: { message } }, 501)
  }
}
