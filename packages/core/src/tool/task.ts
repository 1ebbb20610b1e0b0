import { z } from "zod"
import type { AgentInfo } from "../agent/agent"
import { defineTool, fail, type ToolContext } from "./tool"
import template from "./task.txt" with { type: "text" }

/** How deep sub-agents may nest when `subagent_depth` is not configured. */
export const DEFAULT_SUBAGENT_DEPTH = 3

export const TaskParameters = z.object({
  description: z.string().min(1).describe("A short (3-5 words) description of the task"),
  prompt: z.string().min(1).describe("The task for the agent to perform"),
  subagent_type: z.string().min(1).describe("The type of specialized agent to use for this task"),
  task_id: z
    .string()
    .optional()
    .describe("Set only to continue an earlier task: the task_id it returned. Its session keeps its history."),
})
export type TaskParameters = z.infer<typeof TaskParameters>

/** What the task tool needs from the engine: run a child session to its end. */
export type TaskRunner = {
  /** Creates (or, with `taskID`, reuses) the child session and runs the prompt to completion. */
  run(input: TaskParameters & { parent: ToolContext; agent: AgentInfo }): Promise<TaskRunResult>
}

export type TaskRunResult =
  | { ok: true; sessionID: string; text: string; metadata?: Record<string, unknown> }
  | { ok: false; sessionID?: string; error: string }

/** Formats a child's result the way opencode's task tool does. */
export function formatResult(sessionID: string, text: string) {
  return [`task_id: ${sessionID} (for resuming to continue this task if needed)`, "", "<task_result>", text, "</task_result>"].join(
    "\n",
  )
}

export function taskDescription(agents: AgentInfo[], depth: number) {
  const list = agents.map((agent) => `- ${agent.name}: ${agent.description ?? "(no description)"}`).join("\n")
  return template.replaceAll("{{AGENTS}}", list || "- (none)").replaceAll("{{DEPTH}}", String(depth))
}

/** The `task` tool: runs a sub-agent in a child session and returns its final text. */
export function createTaskTool(input: {
  subagents: AgentInfo[]
  depth: number
  runner: TaskRunner
}) {
  return defineTool({
    id: "task",
    description: taskDescription(input.subagents, input.depth),
    parameters: TaskParameters,
    async execute(args, ctx) {
      const agent = input.subagents.find((candidate) => candidate.name === args.subagent_type)
      if (!agent)
        return fail(
          `unknown subagent_type "${args.subagent_type}"; available: ${input.subagents.map((a) => a.name).join(", ") || "none"}`,
        )
      ctx.progress({ title: args.description, metadata: { agent: agent.name } })
      const result = await input.runner.run({ ...args, parent: ctx, agent })
      if (!result.ok) return fail(result.error, result.sessionID ? { sessionId: result.sessionID } : undefined)
      return {
        title: args.description,
        output: formatResult(result.sessionID, result.text),
        metadata: { sessionId: result.sessionID, agent: agent.name, ...result.metadata },
      }
    },
  })
}
