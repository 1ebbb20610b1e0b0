import { z } from "zod"
import type { AgentInfo } from "../agent/agent"
import type { ModelRef, WithParts } from "../session/message"
import type { SessionRunner } from "../session/prompt"
import type { Store } from "../session/store"
import { BashTool } from "../tool/bash"
import { fail, type ToolOutcome } from "../tool/tool"
import { closeToolTurn, openToolTurn, progressOf } from "./turn-parts"

/** The body of `POST /session/:id/shell`, as opencode's. */
export const ShellInput = z
  .object({
    messageID: z.string().startsWith("msg_").optional(),
    agent: z.string(),
    model: z.object({ providerID: z.string(), modelID: z.string() }).optional(),
    command: z.string().min(1),
  })
  .meta({ id: "ShellInput" })
export type ShellInput = z.infer<typeof ShellInput>

/** What the user message of a shell command says; the model reads it before the call and its output. */
export const SHELL_NOTE = "The following tool was executed by the user"

/**
 * Runs a command the user typed (`!` in the terminal UI) as a `bash` call of the session, by the
 * bash tool's own rules: permission rules and asks, confinement of `cd` and redirections,
 * timeout and output cap. Records a user message and an assistant message with the `bash` part;
 * a refused command is recorded as a failed part and never runs. Undefined when the session is busy.
 */
export function runShell(
  deps: { store: Store; runner: SessionRunner; directory: string },
  input: Omit<ShellInput, "agent" | "model"> & { sessionID: string; agent: AgentInfo; model: ModelRef },
): Promise<WithParts> | undefined {
  const { store, runner } = deps
  const { sessionID, agent, model } = input
  return runner.occupy(sessionID, async (abort) => {
    const opened = openToolTurn(store, {
      sessionID,
      messageID: input.messageID,
      user: { agent: agent.name, model },
      parts: [{ type: "text", text: SHELL_NOTE, synthetic: true }],
      assistant: { agent: agent.name, model },
      directory: store.getSession(sessionID)?.directory ?? deps.directory,
      tool: BashTool.id,
      args: { command: input.command },
    })
    let part = opened.part
    const progress = progressOf(
      store,
      () => part,
      (next) => (part = next),
    )
    const context = runner.toolContext({ sessionID, agent, part, abort, progress, model })
    const outcome: ToolOutcome = await BashTool.execute({ command: input.command }, context).catch((thrown: unknown) =>
      fail(`the command could not run: ${thrown instanceof Error ? thrown.message : String(thrown)}`),
    )
    // Clients show a bash part's output from its metadata, live and after.
    const output = "output" in outcome ? outcome.output : undefined
    const shown = { ...outcome, metadata: { ...outcome.metadata, ...(output === undefined ? {} : { output }) } }
    return closeToolTurn(store, { message: opened.message, part, outcome: shown })
  })
}
