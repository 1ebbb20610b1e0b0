import { z } from "zod"
import { generateText } from "ai"
import { ascending } from "../id/id"
import type { AgentInfo } from "../agent/agent"
import type { Config, PermissionConfig } from "../config/config"
import type { Permissions } from "../permission/permission"
import type { ModelCache } from "../provider/model-cache"
import { parseModelRef } from "../provider/provider"
import type { Tool, ToolContext } from "../tool/tool"
import {
  emptyTokens,
  type AssistantMessage,
  type ModelRef,
  type ToolPart,
  type UserMessage,
  type WithParts,
} from "./message"
import { runStep } from "./processor"
import type { StatusTracker } from "./status"
import type { Store } from "./store"
import { toModelMessages } from "./to-model"
import { backoff } from "./retry"
import type { RetryConfig } from "../config/config"

/** Parts a prompt may carry, as opencode's prompt body accepts them. */
export const PromptPartInput = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text"), text: z.string(), synthetic: z.boolean().optional(), id: z.string().optional() }),
  z.object({
    type: z.literal("file"),
    mime: z.string(),
    url: z.string(),
    filename: z.string().optional(),
    id: z.string().optional(),
  }),
  z.object({ type: z.literal("agent"), name: z.string(), id: z.string().optional() }),
])

/** The body of `POST /session/:id/message` and `prompt_async`. */
export const PromptInput = z
  .object({
    messageID: z.string().startsWith("msg_").optional(),
    model: z.object({ providerID: z.string(), modelID: z.string() }).optional(),
    agent: z.string().optional(),
    noReply: z.boolean().optional(),
    system: z.string().optional(),
    tools: z.record(z.string(), z.boolean()).optional(),
    parts: z.array(PromptPartInput).min(1),
  })
  .meta({ id: "PromptInput" })
export type PromptInput = z.infer<typeof PromptInput>

/** A named failure of the loop that a caller can act on. */
export class PromptError extends Error {
  override name = "PromptError"
}

/** What the loop needs from the rest of the engine. */
export type LoopDeps = {
  store: Store
  status: StatusTracker
  permissions: Permissions
  config: Config
  directory: string
  agents: Map<string, AgentInfo>
  maxSteps: number
  title: boolean
  retry: RetryConfig
  models: ModelCache
  /** The tools an agent may use in a session (the registry filters by agent and depth). */
  tools(input: { sessionID: string; agent: AgentInfo }): Tool[]
  /**
   * Called at every step boundary, before the next model call. The background machinery
   * appends finished results here; returning true asks for another step.
   */
  beforeStep?(sessionID: string): boolean
  /** Called when a loop ends and the session goes idle. */
  onIdle?(sessionID: string): void
  /** Called when a running turn is aborted. */
  onAbort?(sessionID: string): void
}

type Run = { abort: AbortController; done: Promise<void> }

/** Drives each session's prompt loop: one loop per session, new prompts join the running one. */
export class SessionRunner {
  private runs = new Map<string, Run>()
  private stepLimits = new Map<string, number>()

  constructor(private deps: LoopDeps) {}

  isBusy(sessionID: string) {
    return this.runs.has(sessionID)
  }

  /** Writes the user message and runs the loop until the session is idle; returns the last assistant message. */
  async prompt(sessionID: string, input: PromptInput): Promise<WithParts> {
    const user = this.write(sessionID, input)
    if (input.noReply) return this.deps.store.getMessage(sessionID, user.id)!
    await this.resume(sessionID)
    const last = this.deps.store
      .messages(sessionID)
      .filter((m) => m.info.role === "assistant")
      .at(-1)
    if (!last) throw new PromptError("the session produced no reply")
    return last
  }

  /** Writes the user message of a prompt (resolving agent and model) without running the loop. */
  write(sessionID: string, input: PromptInput): UserMessage {
    const { store } = this.deps
    const session = store.getSession(sessionID)
    if (!session) throw new PromptError(`session ${sessionID} not found`)
    const previous = store.lastUserMessage(sessionID)
    const agentName = input.agent ?? previous?.agent ?? session.agent ?? this.deps.config.default_agent ?? "build"
    const agent = this.deps.agents.get(agentName)
    if (!agent) throw new PromptError(`agent "${agentName}" does not exist`)
    const model = input.model ?? previous?.model ?? agent.model ?? this.deps.models.defaultRef()
    this.deps.models.get(model)
    const info: UserMessage = {
      id: input.messageID ?? ascending("message"),
      sessionID,
      role: "user",
      time: { created: Date.now() },
      agent: agentName,
      model,
      system: input.system,
      tools: input.tools,
    }
    store.transaction(() => {
      store.upsertMessage(info)
      for (const part of input.parts)
        store.upsertPart({ ...part, id: part.id ?? ascending("part"), sessionID, messageID: info.id })
      if (session.agent !== agentName || session.model?.id !== model.modelID)
        store.updateSession(sessionID, (s) => ({
          ...s,
          agent: agentName,
          model: { id: model.modelID, providerID: model.providerID },
        }))
    })
    return info
  }

  /**
   * Starts the loop if it is not running; resolves when the session goes idle. `force` makes
   * the first step run even if the transcript does not ask for one (continuing an interrupted
   * session after a restart).
   */
  resume(sessionID: string, options: { force?: boolean } = {}): Promise<void> {
    const existing = this.runs.get(sessionID)
    if (existing) return existing.done
    const abort = new AbortController()
    const run: Run = { abort, done: Promise.resolve() }
    run.done = this.loop(sessionID, abort.signal, options.force ?? false).finally(() => {
      this.runs.delete(sessionID)
      this.deps.status.set(sessionID, { type: "idle" })
      this.deps.onIdle?.(sessionID)
    })
    this.runs.set(sessionID, run)
    return run.done
  }

  /** Aborts the session's running turn; false when it was idle. */
  abort(sessionID: string) {
    const run = this.runs.get(sessionID)
    if (!run) return false
    run.abort.abort()
    this.deps.onAbort?.(sessionID)
    return true
  }

  /** Caps the model calls of each loop of one session (a background task's step budget); undefined lifts it. */
  limitSteps(sessionID: string, steps: number | undefined) {
    if (steps === undefined) this.stepLimits.delete(sessionID)
    else this.stepLimits.set(sessionID, steps)
  }

  /** Resolves when every running loop has ended. */
  async settle() {
    while (this.runs.size) await Promise.allSettled([...this.runs.values()].map((run) => run.done))
  }

  private async loop(sessionID: string, signal: AbortSignal, force: boolean) {
    const { store } = this.deps
    this.deps.status.set(sessionID, { type: "busy" })
    let steps = 0
    while (!signal.aborted) {
      const more = this.deps.beforeStep?.(sessionID) ?? false
      const history = store.messages(sessionID)
      const user = history.findLast((m) => m.info.role === "user")?.info as UserMessage | undefined
      if (!user) return
      if (!more && !needsStep(history) && !(force && steps === 0)) return
      const agent = this.deps.agents.get(user.agent) ?? this.deps.agents.get("build")!
      if (steps >= Math.min(agent.steps ?? this.deps.maxSteps, this.stepLimits.get(sessionID) ?? Infinity)) return
      steps++
      await this.step(sessionID, user, agent, history, signal)
      if (steps === 1 && this.deps.title) void this.title(sessionID, user, history)
    }
  }

  private async step(
    sessionID: string,
    user: UserMessage,
    agent: AgentInfo,
    history: WithParts[],
    signal: AbortSignal,
  ) {
    const { store, retry } = this.deps
    const model = this.deps.models.get(user.model)
    const tools = this.deps.tools({ sessionID, agent }).filter((tool) => user.tools?.[tool.id] !== false)
    const messages = toModelMessages(history)
    for (let attempt = 1; ; attempt++) {
      const message: AssistantMessage = {
        id: ascending("message"),
        sessionID,
        role: "assistant",
        time: { created: Date.now() },
        parentID: user.id,
        modelID: model.modelID,
        providerID: model.providerID,
        mode: agent.name,
        agent: agent.name,
        path: { cwd: this.deps.directory, root: this.deps.directory },
        cost: 0,
        tokens: emptyTokens(),
      }
      store.upsertMessage(message)
      const result = await runStep({
        store,
        message,
        model,
        system: [agent.prompt ?? "", environment(this.deps.directory), user.system ?? ""].filter(Boolean),
        messages,
        tools,
        temperature: agent.temperature,
        abort: signal,
        idleTimeoutMs: retry.idle_timeout_ms,
        toolContext: (part, progress) => this.toolContext(sessionID, agent, part, signal, progress, user.model),
      })
      if (result.retry?.retry && attempt < retry.attempts && !signal.aborted) {
        // No tool ran: drop the failed attempt (and any partial text) and try again after a visible wait.
        store.removeMessage(sessionID, message.id)
        const delay = backoff(attempt, retry, result.retry.delayMs)
        this.deps.status.set(sessionID, {
          type: "retry",
          attempt,
          message: result.retry.reason,
          next: Date.now() + delay,
        })
        await sleep(delay, signal)
        this.deps.status.set(sessionID, { type: "busy" })
        if (!signal.aborted) continue
      }
      store.transaction(() => {
        store.upsertMessage({
          ...message,
          time: { ...message.time, completed: Date.now() },
          finish: result.finish,
          error: result.error,
          cost: result.cost,
          tokens: result.tokens,
        })
        store.addUsage(sessionID, result.tokens, result.cost)
      })
      return
    }
  }

  /** The permission rule sets that bind a session: global config, then its agent and every ancestor's. */
  ruleSets(sessionID: string): (PermissionConfig | undefined)[] {
    return [
      this.deps.config.permission,
      ...this.deps.store.ancestors(sessionID).map((session) => this.deps.agents.get(session.agent ?? "")?.permission),
    ]
  }

  toolContext(
    sessionID: string,
    agent: AgentInfo,
    part: ToolPart,
    abort: AbortSignal,
    progress: ToolContext["progress"],
    model?: ModelRef,
  ): ToolContext {
    const { store, permissions } = this.deps
    const parentID = store.getSession(sessionID)?.parentID
    return {
      sessionID,
      messageID: part.messageID,
      callID: part.callID,
      agent: agent.name,
      model,
      directory: this.deps.directory,
      abort,
      ask: (request) =>
        permissions.ask({
          ...request,
          sessionID,
          tool: { messageID: part.messageID, callID: part.callID },
          rules: this.ruleSets(sessionID),
          parentSessionID: parentID,
          abort,
        }),
      progress,
    }
  }

  private async title(sessionID: string, user: UserMessage, history: WithParts[]) {
    const session = this.deps.store.getSession(sessionID)
    if (!session || session.parentID || history.filter((m) => m.info.role === "user").length > 1) return
    const text = history.flatMap((m) => m.parts).find((p) => p.type === "text")
    if (!text || text.type !== "text") return
    const ref = this.deps.config.small_model
    const model = this.deps.models.get(ref ? parseModelRef(ref) : user.model)
    const result = await generateText({
      model: model.language,
      system:
        "Write a title of at most six words for a conversation that begins with the user's message. Answer with the title only.",
      prompt: text.text.slice(0, 2000),
      maxRetries: 0,
    }).catch(() => undefined)
    const title = result?.text.trim().split("\n")[0]?.slice(0, 80)
    if (title) this.deps.store.updateSession(sessionID, (s) => ({ ...s, title }))
  }
}

/** Waits `ms`, or less if the signal aborts first. */
function sleep(ms: number, signal: AbortSignal) {
  return new Promise<void>((resolve) => {
    if (signal.aborted || ms <= 0) return resolve()
    const done = () => {
      clearTimeout(timer)
      signal.removeEventListener("abort", done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal.addEventListener("abort", done, { once: true })
  })
}

/** A step is due when the last message is the user's, or the last step ended asking for tools. */
export function needsStep(history: WithParts[]) {
  const last = history.at(-1)
  if (!last) return false
  if (last.info.role === "user") return true
  if (last.info.error) return false
  return last.info.finish === "tool-calls"
}

function environment(directory: string) {
  return [
    "<env>",
    `Working directory: ${directory}`,
    `Platform: ${process.platform}`,
    `Date: ${new Date().toDateString()}`,
    "</env>",
  ].join("\n")
}

export type { ToolPart }
