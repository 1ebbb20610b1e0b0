import type { AgentInfo } from "../agent/agent"
import { ascending } from "../id/id"
import type { ModelRef } from "../session/message"
import type { SessionRunner } from "../session/prompt"
import type { Store } from "../session/store"
import type { Subagents } from "../task/subagents"
import { runOutcome } from "../tool/task"
import { closeToolTurn, openToolTurn, progressOf } from "./turn-parts"

/** What the parent's model is asked once a command's sub-agent has answered. */
export const SUBTASK_FOLLOW_UP = "Summarize the task tool output above and continue with your task."

export type SubtaskCall = {
  sessionID: string
  messageID?: string
  command: string
  description: string
  prompt: string
  /** The sub-agent that runs the command, and its model. */
  agent: AgentInfo
  model: ModelRef
  /** Who asks: the session's agent and model, which answer the follow-up. */
  caller: { agent: AgentInfo; model: ModelRef }
}

/**
 * Runs a command as a sub-agent: a user message with a `subtask` part, an assistant message with
 * the `task` call that runs the child session to its end, then a synthetic user message asking the
 * session's model to go on from the result. Resolves once that call is done (the caller resumes
 * the loop): true when the command ran to its end, false when it was aborted; undefined when the
 * session is busy.
 */
export function runSubtask(
  deps: { store: Store; runner: SessionRunner; subagents: Subagents; directory: string },
  call: SubtaskCall,
): Promise<boolean> | undefined {
  const { store, runner } = deps
  const { sessionID, caller } = call
  const args = { prompt: call.prompt, description: call.description, subagent_type: call.agent.name }
  return runner.occupy(sessionID, async (abort) => {
    const opened = openToolTurn(store, {
      sessionID,
      messageID: call.messageID,
      user: { agent: caller.agent.name, model: caller.model },
      parts: [{ type: "subtask", ...args, agent: call.agent.name, model: call.model, command: call.command }],
      assistant: { agent: call.agent.name, model: call.model },
      directory: store.getSession(sessionID)?.directory ?? deps.directory,
      tool: "task",
      args: { ...args, command: call.command },
    })
    let part = opened.part
    const progress = progressOf(
      store,
      () => part,
      (next) => (part = next),
    )
    const parent = runner.toolContext({ sessionID, agent: caller.agent, part, abort, progress, model: call.model })
    const result = await deps.subagents.run({ ...args, parent, agent: call.agent }).catch((thrown: unknown) => ({
      ok: false as const,
      error: thrown instanceof Error ? thrown.message : String(thrown),
    }))
    const outcome = runOutcome(result, call.description, call.agent.name)
    closeToolTurn(store, { message: opened.message, part, outcome, finish: abort.aborted ? undefined : "tool-calls" })
    if (abort.aborted) return false
    store.transaction(() => {
      const follow = store.upsertMessage({
        id: ascending("message"),
        sessionID,
        role: "user",
        time: { created: Date.now() },
        agent: caller.agent.name,
        model: caller.model,
      })
      store.upsertPart({
        id: ascending("part"),
        sessionID,
        messageID: follow.id,
        type: "text",
        text: SUBTASK_FOLLOW_UP,
        synthetic: true,
      })
    })
    return true
  })
}
