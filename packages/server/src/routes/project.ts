import { Hono } from "hono"
import path from "node:path"
import type { Engine } from "@tandem/core/engine"

/**
 * Routes opencode's terminal UI reads when it attaches, for features Tandem does not have
 * (commands, LSP, MCP, formatters, workspaces, console). Each answers in opencode's shape with
 * nothing configured, so the UI shows those features as empty instead of failing requests.
 */
export function projectRoutes(engine: Engine, started = Date.now()) {
  return new Hono()
    .get("/project/current", (c) =>
      c.json({
        id: "global",
        worktree: engine.directory,
        name: path.basename(engine.directory),
        time: { created: started, updated: started },
        sandboxes: [],
      }),
    )
    .get("/vcs", (c) => c.json({}))
    .get("/command", (c) => c.json([]))
    .get("/lsp", (c) => c.json([]))
    .get("/formatter", (c) => c.json([]))
    .get("/mcp", (c) => c.json({}))
    .get("/provider/auth", (c) => c.json({}))
    .get("/experimental/resource", (c) => c.json({}))
    .get("/experimental/workspace", (c) => c.json([]))
    .get("/experimental/workspace/status", (c) => c.json([]))
    .get("/experimental/console", (c) => c.json({ consoleManagedProviders: [], switchableOrgCount: 0 }))
}
