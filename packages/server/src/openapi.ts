import { z } from "zod"
import { events } from "@tandem/core/bus/bus"

type Operation = {
  method: "get" | "post" | "patch" | "delete"
  path: string
  id: string
  summary: string
  body?: string
  response?: string | Record<string, unknown>
  sse?: boolean
}

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` })
const array = (id: string) => ({ type: "array", items: ref(id) })

/** Every route the server answers, for the OpenAPI document. */
export const operations: Operation[] = [
  { method: "get", path: "/path", id: "path.get", summary: "Directories in use" },
  {
    method: "get",
    path: "/config",
    id: "config.get",
    summary: "The merged config, secrets removed",
    response: "Config",
  },
  { method: "get", path: "/agent", id: "app.agents", summary: "Agents" },
  { method: "get", path: "/provider", id: "provider.list", summary: "Providers" },
  { method: "get", path: "/config/providers", id: "config.providers", summary: "Providers and default models" },
  {
    method: "get",
    path: "/experimental/capabilities",
    id: "experimental.capabilities.get",
    summary: "What this server can do",
  },
  {
    method: "post",
    path: "/session",
    id: "session.create",
    summary: "Create a session",
    body: "CreateSessionBody",
    response: "Session",
  },
  { method: "get", path: "/session", id: "session.list", summary: "List sessions", response: array("Session") },
  { method: "get", path: "/session/status", id: "session.status", summary: "Busy and retrying sessions" },
  { method: "get", path: "/session/{sessionID}", id: "session.get", summary: "One session", response: "Session" },
  {
    method: "patch",
    path: "/session/{sessionID}",
    id: "session.update",
    summary: "Rename or archive",
    body: "UpdateSessionBody",
    response: "Session",
  },
  {
    method: "delete",
    path: "/session/{sessionID}",
    id: "session.delete",
    summary: "Delete a session and its children",
  },
  {
    method: "get",
    path: "/session/{sessionID}/children",
    id: "session.children",
    summary: "Child sessions",
    response: array("Session"),
  },
  { method: "post", path: "/session/{sessionID}/abort", id: "session.abort", summary: "Abort the running turn" },
  { method: "get", path: "/session/{sessionID}/message", id: "session.messages", summary: "Messages with parts" },
  {
    method: "post",
    path: "/session/{sessionID}/message",
    id: "session.prompt",
    summary: "Prompt and wait for the reply",
    body: "PromptInput",
  },
  {
    method: "get",
    path: "/session/{sessionID}/message/{messageID}",
    id: "session.message",
    summary: "One message with parts",
  },
  {
    method: "post",
    path: "/session/{sessionID}/prompt_async",
    id: "session.prompt_async",
    summary: "Prompt without waiting (204)",
    body: "PromptInput",
  },
  {
    method: "get",
    path: "/permission",
    id: "permission.list",
    summary: "Pending permission requests",
    response: array("PermissionRequest"),
  },
  {
    method: "post",
    path: "/permission/{requestID}/reply",
    id: "permission.reply",
    summary: "Answer a permission request",
    body: "PermissionReplyBody",
  },
  {
    method: "post",
    path: "/session/{sessionID}/permissions/{permissionID}",
    id: "permission.respond",
    summary: "Answer a permission request",
    body: "PermissionRespondBody",
  },
  { method: "get", path: "/event", id: "event.subscribe", summary: "Server-sent events", response: "Event", sse: true },
  {
    method: "get",
    path: "/global/event",
    id: "global.event",
    summary: "Server-sent events with directory",
    response: "GlobalEvent",
    sse: true,
  },
  { method: "get", path: "/doc", id: "doc", summary: "This document" },
  { method: "get", path: "/project/current", id: "project.current", summary: "The project this server serves" },
  { method: "get", path: "/vcs", id: "vcs.get", summary: "Version control (none reported)" },
  { method: "get", path: "/command", id: "command.list", summary: "Custom commands (none)" },
  { method: "get", path: "/lsp", id: "lsp.status", summary: "LSP servers (none)" },
  { method: "get", path: "/formatter", id: "formatter.status", summary: "Formatters (none)" },
  { method: "get", path: "/mcp", id: "mcp.status", summary: "MCP servers (none)" },
  { method: "get", path: "/provider/auth", id: "provider.auth", summary: "Provider auth methods (none)" },
  { method: "get", path: "/experimental/resource", id: "experimental.resource.list", summary: "MCP resources (none)" },
  { method: "get", path: "/experimental/workspace", id: "experimental.workspace.list", summary: "Workspaces (none)" },
  {
    method: "get",
    path: "/experimental/workspace/status",
    id: "experimental.workspace.status",
    summary: "Workspace connections (none)",
  },
  { method: "get", path: "/experimental/console", id: "experimental.console.get", summary: "Console state (none)" },
  {
    method: "get",
    path: "/session/{sessionID}/task",
    id: "task.list",
    summary: "Background tasks of a session",
    response: array("Task"),
  },
  { method: "get", path: "/task", id: "task.all", summary: "Recent background tasks", response: array("Task") },
  { method: "get", path: "/task/{taskID}", id: "task.get", summary: "One background task", response: "Task" },
  {
    method: "post",
    path: "/task/{taskID}/cancel",
    id: "task.cancel",
    summary: "Cancel a task and its descendants",
    response: "Task",
  },
  {
    method: "post",
    path: "/experimental/session/{sessionID}/background",
    id: "experimental.session.background",
    summary: "Move running foreground tasks to the background",
  },
]

function eventSchemas(schemas: Record<string, unknown>) {
  const names: string[] = []
  for (const def of events()) {
    const name =
      "Event" +
      def.name
        .split(/[._-]/)
        .map((w) => w[0]!.toUpperCase() + w.slice(1))
        .join("")
    names.push(name)
    schemas[name] = {
      type: "object",
      properties: {
        id: { type: "string", pattern: "^evt_" },
        type: { type: "string", enum: [def.name] },
        properties: z.toJSONSchema(def.schema, { unrepresentable: "any", reused: "inline" }),
      },
      required: ["id", "type", "properties"],
    }
  }
  schemas.Event = { anyOf: names.map(ref) }
  schemas.GlobalEvent = {
    type: "object",
    properties: { directory: { type: "string" }, payload: ref("Event") },
    required: ["directory", "payload"],
  }
}

/** The OpenAPI 3.1 document, generated from the zod schemas and the event registry. */
export function openapi(version: string) {
  const generated = z.toJSONSchema(z.globalRegistry, {
    uri: (id) => `#/components/schemas/${id}`,
    unrepresentable: "any",
  })
  const schemas: Record<string, unknown> = { ...(generated.schemas as Record<string, unknown>) }
  for (const schema of Object.values(schemas)) delete (schema as Record<string, unknown>).$schema
  eventSchemas(schemas)
  const paths: Record<string, Record<string, unknown>> = {}
  for (const op of operations) {
    const params = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
      name: m[1],
      in: "path",
      required: true,
      schema: { type: "string" },
    }))
    const response = typeof op.response === "string" ? ref(op.response) : (op.response ?? {})
    paths[op.path] ??= {}
    paths[op.path]![op.method] = {
      operationId: op.id,
      summary: op.summary,
      parameters: params,
      ...(op.body ? { requestBody: { content: { "application/json": { schema: ref(op.body) } } } } : {}),
      responses: {
        200: {
          description: op.summary,
          content: { [op.sse ? "text/event-stream" : "application/json"]: { schema: response } },
        },
        400: { description: "Bad request", content: { "application/json": { schema: ref("BadRequestError") } } },
        404: { description: "Not found", content: { "application/json": { schema: ref("NotFoundError") } } },
      },
    }
  }
  return { openapi: "3.1.1", info: { title: "tandem", version }, paths, components: { schemas } }
}
