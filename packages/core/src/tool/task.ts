import { z } from "zod"
import type { AgentInfo } from "../agent/agent"
import type { BackgroundConfig } from "../config/config"
import { Isolation } from "../agent/isolation"
import type { ModelRef } from "../session/message"
import { defineTool, fail, type ToolContext, type ToolOutcome, type ToolSuccess } from "./tool"
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
  background: z
    .boolean()
    .optional()
    .describe("Run the sub-agent in the background: returns at once, the result is delivered to you when it finishes"),
  isolation: Isolation.optional().describe(
    'Set "worktree" to run the sub-agent in its own git worktree of your current files; its changes are merged back when it ends',
  ),
})
export type TaskParameters = z.infer<typeof TaskParameters>

/** What the task tool needs from the engine: run a child session to its end, or dispatch it. */
export type TaskRunner = {
  /** Creates (or, with `taskID`, reuses) the child session and runs the prompt to completion. */
  run(input: TaskParameters & { parent: ToolContext; agent: AgentInfo }): Promise<TaskRunResult>
  /** Writes the task to the ledger and queues it; returns the receipt at once. */
  dispatch(input: TaskParameters & { parent: ToolContext; agent: AgentInfo }): Promise<TaskDispatchResult>
}

export type TaskDispatchResult =
  | {
      ok: true
      taskID: string
      sessionID: string
      model: ModelRef
      receipt: string
      /** The dispatch part's state as the task stands when the part is saved (see `ToolSuccess.state`). */
      state: ToolSuccess["state"]
    }
  | { ok: false; error: string }

/** Numbers the description quotes, from the settings the runtime enforces. */
export type TaskLimits = { depth: number; resultChars: number; maxSteps: number; maxRunning: number }

/** The limits the description quotes, read from the settings that enforce them. */
export function taskLimits(settings: BackgroundConfig, depth: number): TaskLimits {
  return {
    depth,
    resultChars: settings.result_chars,
    maxSteps: settings.max_steps,
    maxRunning: settings.max_running_per_session,
  }
}

export type TaskRunResult =
  | { ok: true; sessionID: string; text: string; metadata?: Record<string, unknown> }
  /** Moved to the background while it ran: the receipt, and the part's state as its task stands. */
  | { ok: true; sessionID: string; output: string; metadata?: Record<string, unknown>; state: ToolSuccess["state"] }
  | { ok: false; sessionID?: string; error: string }

/** Formats a child's result the way opencode's task tool does. */
export function formatResult(sessionID: string, text: string) {
  return [
    `task_id: ${sessionID} (for resuming to continue this task if needed)`,
    "",
    "<task_result>",
    text,
    "</task_result>",
  ].join("\n")
}

export function taskDescription(agents: AgentInfo[], limits: TaskLimits) {
  const list = agents.map((agent) => `- ${agent.name}: ${agent.description ?? "(no description)"}`).join("\n")
  const cap = (n: number) => (n ? String(n) : "any number of")
  return template
    .replaceAll("{{AGENTS}}", list || "- (none)")
    .replaceAll("{{DEPTH}}", String(limits.depth))
    .replaceAll("{{RESULT_CHARS}}", String(limits.resultChars))
    .replaceAll("{{MAX_STEPS}}", limits.maxSteps ? String(limits.maxSteps) : "unlimited")
    .replaceAll("{{MAX_RUNNING}}", cap(limits.maxRunning))
}

/** The `task` tool: runs a sub-agent in a child session and returns its final text. */
export function createTaskTool(input: { subagents: AgentInfo[]; limits: TaskLimits; runner: TaskRunner }) {
  return defineTool({
    id: "task",
    description: taskDescription(input.subagents, input.limits),
    parameters: TaskParameters,
    async execute(args, ctx) {
      const agent = input.subagents.find((candidate) => candidate.name === args.subagent_type)
      if (!agent)
        return fail(
          `unknown subagent_type "${args.subagent_type}"; available: ${input.subagents.map((a) => a.name).join(", ") || "none"}`,
        )
      if (args.background) {
        const dispatched = await input.runner.dispatch({ ...args, parent: ctx, agent })
        if (!dispatched.ok) return fail(dispatched.error)
        return {
          title: args.description,
          output: dispatched.receipt,
          metadata: {
            parentSessionId: ctx.sessionID,
            sessionId: dispatched.sessionID,
            model: dispatched.model,
            background: true,
            taskID: dispatched.taskID,
            agent: agent.name,
            receipt: dispatched.receipt,
          },
          state: dispatched.state,
        }
      }
      ctx.progress({ title: args.description, metadata: { agent: agent.name } })
      return runOutcome(await input.runner.run({ ...args, parent: ctx, agent }), args.description, agent.name)
    },
  })
}

/**
 * A blocking sub-agent run as the outcome of its `task` call (the tool's, or a subtask command's):
 * the child's answer in opencode's form, or the receipt and the following state of a call moved
 * to the background, or the failure.
 */
export function runOutcome(result: TaskRunResult, title: string, agent: string): ToolOutcome {
  if (!result.ok) return fail(result.error, result.sessionID ? { sessionId: result.sessionID } : undefined)
  return {
    title,
    output: "output" in result ? result.output : formatResult(result.sessionID, result.text),
    metadata: { sessionId: result.sessionID, agent, ...result.metadata },
    state: "state" in result ? result.state : undefined,
  }
}
