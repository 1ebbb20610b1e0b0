import { Hono } from "hono"
import { basicAuth } from "hono/basic-auth"
import { HTTPException } from "hono/http-exception"
import type { Engine } from "@tandem/core/engine"
import { VERSION } from "@tandem/core/session/store"
import { commandRoutes } from "./routes/command"
import { configRoutes } from "./routes/config"
import { eventRoutes } from "./routes/event"
import { permissionRoutes } from "./routes/permission"
import { sessionRoutes } from "./routes/session"
import { historyRoutes } from "./routes/history"

import { compactionRoutes } from "./routes/compaction"
import { taskRoutes } from "./routes/task"
import { taskTreeRoutes } from "./routes/task-tree"
import { projectRoutes } from "./routes/project"
import { uiRoutes } from "./ui/routes"
import { openapi } from "./openapi"
import { unmatched } from "./unsupported"
import { passwordMatches, requestGuard } from "./request-guard"
import { maskSecrets } from "./mask-secrets"
import { tandemSettings } from "@tandem/core/config/config"
import { describe } from "./contract"
import { commitBeforeAnswer, isStorageError, storageFailure } from "./storage-commit"

export type AppOptions = {
  /** When set, every route requires HTTP Basic auth with this password (any user name). */
  password?: string
  /** Interval of `server.heartbeat` on idle event streams (default 10 s). */
  heartbeatMs?: number
  /** The host name the server listens on: requests addressed to it are served besides loopback ones. */
  hostname?: string
}

/** The password from the environment, as opencode names it or as Tandem does. */
export function passwordFromEnv(env: Record<string, string | undefined> = process.env) {
  return env.TANDEM_SERVER_PASSWORD || env.OPENCODE_SERVER_PASSWORD || undefined
}

/** The HTTP app over an engine: opencode-compatible routes, SSE and the OpenAPI document. */
export function createApp(engine: Engine, options: AppOptions = {}) {
  const app = new Hono()
  const server = tandemSettings(engine.config).server
  app.use(
    "*",
    requestGuard({
      hostname: options.hostname,
      hosts: server.hosts,
      cors: server.cors,
      maxBodyBytes: server.max_body_bytes,
    }),
  )
  app.use("*", maskSecrets(engine.secrets))
  if (options.password) {
    const password = options.password
    app.use("*", basicAuth({ verifyUser: (_user, given) => passwordMatches(given, password), realm: "tandem" }))
  }
  app.use("*", commitBeforeAnswer(engine.writes))
  app.onError((error, c) => {
    if (error instanceof HTTPException) return error.getResponse()
    if (isStorageError(error)) return c.json(storageFailure(error), 503)
    const message = engine.secrets.mask(error instanceof Error ? error.message : String(error))
    console.error("request failed", c.req.method, c.req.path, engine.secrets.mask(String(error?.stack ?? error)))
    return c.json({ name: "UnknownError", data: { message } }, 500)
  })
  app.notFound(unmatched(engine))
  app.route("/", taskRoutes(engine))
  app.route("/", taskTreeRoutes(engine))
  app.route("/", projectRoutes(engine))
  app.route("/", configRoutes(engine))
  app.route("/", historyRoutes(engine))
  app.route("/", sessionRoutes(engine))
  app.route("/", compactionRoutes(engine))

  app.route("/", commandRoutes(engine))
  app.route("/", permissionRoutes(engine))
  app.route("/", eventRoutes(engine, options.heartbeatMs))
  app.route("/", uiRoutes(engine))
  app.get("/doc", describe({ id: "doc", summary: "This document" }), (c) => c.json(openapi(app.routes, VERSION)))
  return app
}
