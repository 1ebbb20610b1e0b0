import { z } from "zod"
import type { AgentInfo } from "../agent/agent"
import type { Config } from "../config/config"
import type { ModelCache } from "../provider/model-cache"
import { evaluateAll } from "../permission/rules"
import { parseModelRef } from "../provider/provider"
import { SessionError } from "../session/events"
import type { ModelRef, WithParts } from "../session/message"
import { checkClientIds } from "../session/client-ids"
import { PromptError, type SessionRunner } from "../session/prompt"
import type { Store } from "../session/store"
import type { Subagents } from "../task/subagents"
import type { CommandInfo } from "./command-info"
import { CommandExecuted } from "./events"
import { expandTemplate } from "./expand"
import { fileReferences } from "./file-references"
import { runInlineCommands } from "./inline-shell"
import { loadCommands } from "./load-commands"
import { runShell, type ShellInput } from "./shell"
import { runSubtask } from "./subtask"

/** The body of `POST /session/:id/command`, as opencode's. */
export const CommandInput = z
  .object({
    messageID: z.string().startsWith("msg_").optional(),
    agent: z.string().optional(),
    /** `provider/model`. */
    model: z.string().optional(),
    arguments: z.string(),
    command: z.string(),
    variant: z.string().optional(),
    /** Files sent with the command, as in a prompt. */
    parts: z
      .array(
        z.object({
          id: z.string().startsWith("prt_").optional(),
          type: z.literal("file"),
          mime: z.string(),
          filename: z.string().optional(),
          url: z.string(),
        }),
      )
      .optional(),
  })
  .meta({ id: "CommandInput" })
export type CommandInput = z.infer<typeof CommandInput>

/** Why a command or shell call did not run: the session was busy, or the command does not exist. */
export type Refused = { refused: "busy" | "command"; message: string }

export type CommandsDeps = {
  store: Store
  runner: SessionRunner
  subagents: Subagents
  agents: Map<string, AgentInfo>
  models: ModelCache
  config: Config
  directory: string
  env?: Record<string, string | undefined>
}

/** Slash commands (built-in, configured and from command files) and the user's shell commands. */
export class Commands {
  constructor(private readonly deps: CommandsDeps) {}

  /** Every command of the project, read afresh so a new command file shows without a restart. */
  list(): CommandInfo[] {
    return this.loaded().map(({ variant: _, ...command }) => command)
  }

  private loaded() {
    return loadCommands(this.deps.config, this.deps.directory, this.deps.env)
  }

  /** Runs a user's shell command in the session (see `runShell`); refused while the session is busy. */
  async shell(sessionID: string, input: ShellInput): Promise<WithParts | Refused> {
    const agent = this.agent(input.agent)
    const model = input.model ?? agent.model ?? this.currentModel(sessionID)
    checkClientIds(this.deps.store, sessionID, { messageID: input.messageID, parts: [] })
    const running = runShell(this.deps, { ...input, sessionID, agent, model })
    if (!running) return busy(sessionID)
    return running
  }

  /**
   * Runs a command: its template, with the arguments filled in, is sent as a prompt with the
   * command's agent and model, or run as a sub-agent when it is a subtask; `command.executed`
   * follows, unless the sub-agent was aborted. Resolves with the session's last assistant message once the session is idle.
   */
  async run(sessionID: string, input: CommandInput): Promise<WithParts | Refused> {
    const { agents, runner, store } = this.deps
    const command = this.loaded().find((candidate) => candidate.name === input.command)
    if (!command) {
      const known = this.list().map((candidate) => candidate.name)
      const message = `command "${input.command}" not found; available: ${known.join(", ")}`
      // Clients show a session's errors where the user is; the answer alone may go unseen.
      store.bus.publish(SessionError, { sessionID, error: { name: "UnknownError", data: { message } } })
      return { refused: "command", message }
    }
    const agent = this.agent(command.agent ?? input.agent ?? this.defaultAgent())
    const commandAgentModel = command.agent ? agents.get(command.agent)?.model : undefined
    const chosen = command.model ? parseModelRef(command.model) : commandAgentModel
    const asked = input.model ? parseModelRef(input.model) : undefined
    // The caller's variant is one of the caller's model; a command that names its own model names its own variant.
    const variant = command.variant ?? (chosen ? undefined : input.variant)
    const prompt = await this.inlineCommands(sessionID, agent, expandTemplate(command.template, input.arguments))
    const subtask = command.subtask ?? agent.mode === "subagent"
    if (!subtask) {
      const model = chosen ?? asked
      const referenced = fileReferences(prompt, store.getSession(sessionID)?.directory ?? this.deps.directory)
      const reply = await runner.prompt(sessionID, {
        messageID: input.messageID,
        agent: agent.name,
        model,
        variant,
        parts: [{ type: "text", text: prompt }, ...referenced, ...(input.parts ?? [])],
      })
      return this.executed(sessionID, input, reply)
    }
    const caller = this.agent(input.agent ?? this.defaultAgent())
    const callerModel = withVariant(asked ?? this.currentModel(sessionID), input.variant)
    const model = withVariant(chosen ?? callerModel, variant)
    this.deps.models.get(model)
    checkClientIds(store, sessionID, { messageID: input.messageID, parts: [] })
    const running = runSubtask(this.deps, {
      sessionID,
      messageID: input.messageID,
      command: command.name,
      description: command.description ?? command.name,
      prompt,
      agent,
      model,
      caller: { agent: caller, model: callerModel },
    })
    if (!running) return busy(sessionID)
    const ran = await running
    await runner.resume(sessionID)
    const last = store.messages(sessionID).findLast((message) => message.info.role === "assistant")
    if (!last) throw new PromptError("the session produced no reply")
    // An aborted command did not run: its task call stands as the error, and nothing says it was executed.
    return ran ? this.executed(sessionID, input, last) : last
  }

  /** Runs the template's `` !`command` ``s that the session's bash rules allow, in the session's directory. */
  private async inlineCommands(sessionID: string, agent: AgentInfo, template: string) {
    const { store, config, agents, directory } = this.deps
    const rules = [
      config.permission,
      ...store.ancestors(sessionID).map((session) => agents.get(session.agent ?? "")?.permission),
      agent.permission,
    ]
    const filled = await runInlineCommands(template, {
      cwd: store.getSession(sessionID)?.directory ?? directory,
      allowed: (commands) => commands.every((command) => evaluateAll(rules, "bash", command) === "allow"),
    })
    return filled.trim()
  }

  private executed(sessionID: string, input: CommandInput, reply: WithParts) {
    this.deps.store.bus.publish(CommandExecuted, {
      name: input.command,
      sessionID,
      arguments: input.arguments,
      messageID: reply.info.id,
    })
    return reply
  }

  private agent(name: string) {
    const agent = this.deps.agents.get(name)
    if (!agent) throw new PromptError(`agent "${name}" does not exist`)
    return agent
  }

  private defaultAgent() {
    return this.deps.config.default_agent ?? "build"
  }

  /** The model the session last used: its last prompt's, else the configured default. */
  private currentModel(sessionID: string): ModelRef {
    return this.deps.store.lastUserMessage(sessionID)?.model ?? this.deps.models.defaultRef()
  }
}

/** The model with the variant asked for, else as it is (a caller's model keeps the variant it was used with). */
function withVariant(model: ModelRef, variant: string | undefined): ModelRef {
  return variant ? { ...model, variant } : model
}

function busy(sessionID: string): Refused {
  return { refused: "busy", message: `session ${sessionID} is busy; wait for it or abort it first` }
}
