import type { AgentInfo } from "../agent/agent"
import type { Config, PermissionConfig } from "../config/config"
import type { Permissions } from "../permission/permission"
import type { FileVersions } from "../tool/file-versions"
import type { ToolContext } from "../tool/tool"
import type { ModelRef, ToolPart } from "./message"
import type { Store } from "./store"

export type ToolContextDeps = {
  store: Store
  permissions: Permissions
  config: Config
  agents: Map<string, AgentInfo>
  directory: string
  fileVersions: FileVersions
}

/** The permission rule sets that bind a session: global config, then its agent and every ancestor's. */
export function permissionRules(deps: ToolContextDeps, sessionID: string): (PermissionConfig | undefined)[] {
  return [
    deps.config.permission,
    ...deps.store.ancestors(sessionID).map((session) => deps.agents.get(session.agent ?? "")?.permission),
  ]
}

/** What a tool call may touch: its ids, the project directory, the abort signal, permission asks, progress. */
export function toolContext(
  deps: ToolContextDeps,
  input: {
    sessionID: string
    agent: AgentInfo
    part: ToolPart
    abort: AbortSignal
    progress: ToolContext["progress"]
    model?: ModelRef
  },
): ToolContext {
  const { sessionID, part, abort } = input
  const session = deps.store.getSession(sessionID)
  return {
    sessionID,
    messageID: part.messageID,
    callID: part.callID,
    agent: input.agent.name,
    model: input.model,
    directory: session?.directory ?? deps.directory,
    fileVersions: deps.fileVersions,
    abort,
    ask: (request) =>
      deps.permissions.ask({
        ...request,
        sessionID,
        tool: { messageID: part.messageID, callID: part.callID },
        rules: permissionRules(deps, sessionID),
        parentSessionID: session?.parentID,
        abort,
      }),
    progress: input.progress,
  }
}
