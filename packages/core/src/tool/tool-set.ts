import { subagentsOf, type AgentInfo } from "../agent/agent"
import type { BackgroundConfig } from "../config/config"
import type { Store } from "../session/store"
import type { BackgroundTasks } from "../task/background"
import type { Subagents } from "../task/subagents"
import { fileTools, ToolRegistry } from "./registry"
import { createTaskTool, taskLimits } from "./task"
import { createTaskCancelTool, createTaskStatusTool } from "./task-control"

export type ToolSetDeps = {
  agents: Map<string, AgentInfo>
  store: Store
  settings: BackgroundConfig
  maxDepth: number
  subagents: Subagents
  background: BackgroundTasks
}

/**
 * Every tool an engine offers, in the order the model sees them: the file tools, then `task`
 * and its two background controls. `task` is gated per session by the nesting depth.
 */
export function createToolSet(deps: ToolSetDeps) {
  const { agents, store, settings, maxDepth, subagents, background } = deps
  const task = createTaskTool({
    subagents: subagentsOf(agents),
    limits: taskLimits(settings, maxDepth),
    runner: subagents,
  })
  return new ToolRegistry({
    agents,
    store,
    tools: [
      ...fileTools,
      task,
      createTaskStatusTool(background, settings.result_chars),
      createTaskCancelTool(background),
    ],
    gates: { task: (sessionID) => subagents.mayDelegate(sessionID) },
  })
}
