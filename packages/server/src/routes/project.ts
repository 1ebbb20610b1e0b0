import { Hono } from "hono"
import path from "node:path"
import type { Engine } from "@tandem/core/engine"
import { describe } from "../contract"

/**
 * Routes opencode's terminal UI reads when it attaches, for features Tandem does not have
 * (commands, LSP, MCP, formatters, workspaces, console). Each answers in opencode's shape with
 * nothing configured, so the UI shows those features as empty instead of failing requests.
 */
export function projectRoutes(engine: Engine, started = Date.now()) {
  return new Hono()
    .get("/project/current", describe({ id: "project.current", summary: "The project this server serves" }), (c) =>
      c.json({
        id: "global",
        worktree: engine.directory,
        name: path.basename(engine.directory),
        time: { created: started, updated: started },
        sandboxes: [],
      }),
    )
    .get("/vcs", describe({ id: "vcs.get", summary: "Version control (none reported)" }), (c) => c.json({}))
    .get("/lsp", describe({ id: "lsp.status", summary: "LSP servers (none)" }), (c) => c.json([]))
    .get("/formatter", describe({ id: "formatter.status", summary: "Formatters (none)" }), (c) => c.json([]))
    .get("/mcp", describe({ id: "mcp.status", summary: "MCP servers (none)" }), (c) => c.json({}))
    .get("/provider/auth", describe({ id: "provider.auth", summary: "Provider auth methods (none)" }), (c) =>
      c.json({}),
    )
    .get(
      "/experimental/resource",
      describe({ id: "experimental.resource.list", summary: "MCP resources (none)" }),
      (c) => c.json({}),
    )
    .get(
      "/experimental/workspace",
      describe({ id: "experimental.workspace.list", summary: "Workspaces (none)" }),
      (c) => c.json([]),
    )
    .get(
      "/experimental/workspace/status",
      describe({ id: "experimental.workspace.status", summary: "Workspace connections (none)" }),
      (c) => c.json([]),
    )
    .get("/experimental/console", describe({ id: "experimental.console.get", summary: "Console state (none)" }), (c) =>
      c.json({ consoleManagedProviders: [], switchableOrgCount: 0 }),
    )
}
