import type { Engine } from "@tandem/core/engine"
import { tandemSettings } from "@tandem/core/config/config"
import { createApp, type AppOptions } from "./app"

export type ServeOptions = AppOptions & { port?: number }

/** Serves the app with Bun; loopback unless told otherwise. */
export function serve(engine: Engine, options: ServeOptions = {}) {
  const hostname = options.hostname ?? "127.0.0.1"
  const app = createApp(engine, { ...options, hostname })
  const server = Bun.serve({
    port: options.port ?? 4096,
    hostname,
    idleTimeout: 0,
    // Bun refuses larger bodies before reading them; the app's own check answers the rest with a 413 that explains.
    maxRequestBodySize: tandemSettings(engine.config).server.max_body_bytes + 1,
    fetch: app.fetch,
  })
  return {
    app,
    server,
    url: `http://${server.hostname}:${server.port}`,
    async stop() {
      await server.stop(true)
    },
  }
}
