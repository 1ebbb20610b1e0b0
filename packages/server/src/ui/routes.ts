import { Hono } from "hono"
import type { Engine } from "@tandem/core/engine"
import { FAVICON, monitorScript, monitorStylesheet } from "./assets"
import { MissingPage, MonitorPage, SessionListPage } from "./pages"
import { describe } from "../contract"

/** How many root sessions `/ui` lists, newest first. */
export const SESSION_LIST_LIMIT = 50

const asset = (type: string) => ({ "content-type": type, "cache-control": "no-cache" })

/**
 * The task monitor: `/ui` lists the project's recent root sessions, `/ui/session/:id` shows one
 * session's task tree and keeps it live. The page reads everything else through the public
 * routes, with the browser's own credentials, so it works behind the server password.
 */
export function uiRoutes(engine: Engine) {
  return new Hono()
    .get("/ui", describe({ id: "ui.sessions", summary: "Monitor: recent sessions", media: "text/html" }), (c) =>
      c.html(
        SessionListPage({
          sessions: engine.sessions.list({ roots: true, limit: SESSION_LIST_LIMIT }),
          directory: engine.directory,
        }),
      ),
    )
    .get("/ui/", describe({ id: "ui.redirect", summary: "Monitor: to /ui", media: "text/html" }), (c) =>
      c.redirect("/ui"),
    )
    .get(
      "/ui/session/:sessionID",
      describe({ id: "ui.session", summary: "Monitor: one session's tasks", media: "text/html" }),
      (c) => {
        const id = c.req.param("sessionID")
        const session = id.startsWith("ses_") ? engine.sessions.get(id) : undefined
        if (!session) return c.html(MissingPage({ id }), 404)
        return c.html(MonitorPage({ session }))
      },
    )
    .get(
      "/ui/assets/monitor.js",
      describe({ id: "ui.script", summary: "Monitor script", media: "text/javascript" }),
      async (c) => c.body(await monitorScript(), 200, asset("text/javascript; charset=utf-8")),
    )
    .get(
      "/ui/assets/monitor.css",
      describe({ id: "ui.stylesheet", summary: "Monitor stylesheet", media: "text/css" }),
      async (c) => c.body(await monitorStylesheet(), 200, asset("text/css; charset=utf-8")),
    )
    .get("/ui/assets/favicon.svg", describe({ id: "ui.icon", summary: "Monitor icon", media: "image/svg+xml" }), (c) =>
      c.body(FAVICON, 200, asset("image/svg+xml")),
    )
}
