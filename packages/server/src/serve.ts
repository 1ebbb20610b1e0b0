import type { Engine } from "@tandem/core/engine"
import { createApp, type AppOptions } from "./app"

export type ServeOptions = AppOptions & { port?: number; hostname?: string }

/** Serves the app with Bun; loopback unless told otherwise. */
export function serve(engine: Engine, options: ServeOptions = {}) {
  const app = createApp(engine, options)
  const server = Bun.serve({
    port: options.port ?? 4096,
    hostname: options.hostname ?? "127.0.0.1",
    idleTimeout: 0,
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
