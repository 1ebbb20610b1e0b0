import type { AgentInfo } from "../agent/agent"
import type { Store } from "../session/store"
import { BashTool } from "./bash"
import { EditTool } from "./edit"
import { GlobTool } from "./glob"
import { GrepTool } from "./grep"
import { ListTool } from "./list"
import { ReadTool } from "./read"
import type { Tool } from "./tool"
import { WriteTool } from "./write"

/** The tools that work on the project's files and shell. */
export const fileTools: Tool[] = [ReadTool, WriteTool, EditTool, BashTool, GlobTool, GrepTool, ListTool]

export type ToolRegistryDeps = {
  agents: Map<string, AgentInfo>
  store: Store
  /** Every tool, in the order the model is offered them. */
  tools: Tool[]
  /** Extra conditions by tool id, asked per session (e.g. `task` only while nesting is allowed). */
  gates?: Record<string, (sessionID: string) => boolean>
}

/** Which tools an agent may use in a session. */
export class ToolRegistry {
  constructor(private readonly deps: ToolRegistryDeps) {}

  /**
   * The tools an agent may use in a session: a tool is offered when neither the agent nor the
   * agent of any session above this one turns it off (a child never gets more than its parent),
   * and its gate, if it has one, lets it.
   */
  forSession(input: { sessionID: string; agent: AgentInfo }): Tool[] {
    const { agents, store, tools, gates = {} } = this.deps
    const chain = store.ancestors(input.sessionID).map((s) => agents.get(s.agent ?? input.agent.name) ?? input.agent)
    const enabled = (id: string) => chain.every((agent) => agent.tools[id] !== false) && input.agent.tools[id] !== false
    return tools.filter((tool) => enabled(tool.id) && (gates[tool.id]?.(input.sessionID) ?? true))
  }
}
