import { ascending } from "../id/id"
import type { AgentInfo } from "../agent/agent"
import type { Config, RetryConfig } from "../config/config"
import type { Permissions } from "../permission/permission"
import type { ModelCache } from "../provider/model-cache"
import type { FileVersions } from "../tool/file-versions"
import { PromptError, type PromptInput } from "./prompt-input"
import { newAssistantMessage } from "./assistant-message"
import { checkClientIds } from "./client-ids"
import { Compaction } from "./compaction/compaction"
import { modelView } from "./compaction/view"
import type { LoopHooks } from "./loop-hooks"
import type { ModelRef, UserMessage, WithParts } from "./message"
import { runStep } from "./processor"
import { backoff, sleep } from "./retry"
import type { StatusTracker } from "./status"
import type { Store } from "./store"
import { systemPrompt } from "./system-prompt"
import { generateTitle } from "./title"
import { toModelMessages } from "./to-model"
import { toolContext } from "./tool-context"

export { PromptError, PromptInput, PromptPartInput } from "./prompt-input"

/** What the loop needs from the rest of the engine; hooks and tools come later, see `setHooks`. */
export type LoopDeps = {
  store: Store
  status: StatusTracker
  permissions: Permissions
  config: Config
  directory: string
  /** What each session last saw of each file; the file tools check it before writing. */
  fileVersions: FileVersions
  agents: Map<string, AgentInfo>
  models: ModelCache
  maxSteps: number
  title: boolean
  retry: RetryConfig
}

/** A running turn: the prompt loop, or work that holds the session (`occupy`), after which a waiting prompt runs. */
type Run = { abort: AbortController; done: Promise<void>; held?: boolean }

/** Drives each session's prompt loop: one loop per session, new prompts join the running one. */
export class SessionRunner {
  private runs = new Map<string, Run>()
  private titles = new Set<Promise<void>>()
  private stepLimits = new Map<string, number>()
  private hooks: LoopHooks = { tools: () => [] }
  /** Summaries and cleared tool outputs that keep each transcript within its model's context. */
  readonly compaction: Compaction

  constructor(private deps: LoopDeps) {
    this.compaction = new Compaction({ ...deps, idleTimeoutMs: deps.retry.idle_timeout_ms })
  }

  /**
   * Plugs in the tools and hooks, which come from services built on top of the runner (the
   * tool registry, sub-agents, background tasks). The composition root calls it once, before
   * the first prompt; until then the loop offers no tools and calls no hooks.
   */
  setHooks(hooks: LoopHooks) {
    this.hooks = hooks
  }

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
    if (store.getSession(sessionID)) this.hooks.beforePrompt?.(sessionID)
    const session = store.getSession(sessionID)
    if (!session) throw new PromptError(`session ${sessionID} not found`)
    const previous = store.lastUserMessage(sessionID)
    const agentName = input.agent ?? previous?.agent ?? session.agent ?? this.deps.config.default_agent ?? "build"
    const agent = this.deps.agents.get(agentName)
    if (!agent) throw new PromptError(`agent "${agentName}" does not exist`)
    checkClientIds(store, sessionID, input)
    const base: ModelRef = input.model ?? previous?.model ?? agent.model ?? this.deps.models.defaultRef()
    const model = input.variant ? { ...base, variant: input.variant } : base
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
      if (
        session.agent !== agentName ||
        session.model?.id !== model.modelID ||
        session.model?.variant !== model.variant
      )
        store.updateSession(sessionID, (s) => ({
          ...s,
          agent: agentName,
          model: {
            id: model.modelID,
            providerID: model.providerID,
            ...(model.variant ? { variant: model.variant } : {}),
          },
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
    if (existing) return existing.held ? existing.done.then(() => this.resume(sessionID, options)) : existing.done
    const abort = new AbortController()
    const run: Run = { abort, done: Promise.resolve() }
    run.done = this.loop(sessionID, abort.signal, options.force ?? false)
      .then(() => void this.compaction.prune(sessionID))
      .finally(() => this.ended(sessionID))
    this.runs.set(sessionID, run)
    return run.done
  }

  /**
   * Runs `work` as the session's turn (a user's shell command, a command's sub-agent): busy meanwhile,
   * aborted through its signal; a prompt written meanwhile is answered after it. Undefined when busy.
   */
  occupy<T>(sessionID: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> | undefined {
    if (this.runs.has(sessionID)) return undefined
    const abort = new AbortController()
    this.deps.status.set(sessionID, { type: "busy" })
    const result = work(abort.signal)
    const end = () => this.ended(sessionID)
    this.runs.set(sessionID, { abort, held: true, done: result.then(end, end) })
    return result
  }

  private ended(sessionID: string) {
    this.runs.delete(sessionID)
    this.deps.status.set(sessionID, { type: "idle" })
    this.hooks.onIdle?.(sessionID)
  }

  /** A tool's context for a call made outside a model's step (a user's shell command, a command's task call). */
  toolContext(input: Parameters<typeof toolContext>[1]) {
    return toolContext(this.deps, input)
  }

  /** Compacts the session with the given model (`POST /session/:id/summarize`); resolves once the summary is written. */
  async summarize(sessionID: string, input: { providerID: string; modelID: string; auto?: boolean }) {
    const request = this.compaction.ask(sessionID, input)
    // A loop that was ending when the request came may miss it: run again until it is answered.
    while (this.compaction.isPending(sessionID, request.id)) await this.resume(sessionID)
  }

  /** Aborts the session's running turn; false when it was idle. */
  abort(sessionID: string) {
    const run = this.runs.get(sessionID)
    if (!run) return false
    run.abort.abort()
    this.hooks.onAbort?.(sessionID)
    return true
  }

  /** Caps the model calls of each loop of one session (a background task's step budget); undefined lifts it. */
  limitSteps(sessionID: string, steps: number | undefined) {
    if (steps === undefined) this.stepLimits.delete(sessionID)
    else this.stepLimits.set(sessionID, steps)
  }

  /** A title being written goes on after its loop; `settle` waits for it, so nothing writes after a close. */
  private titling(work: Promise<void>) {
    const tracked = work.catch(() => {}).finally(() => this.titles.delete(tracked))
    this.titles.add(tracked)
  }

  /** Resolves when every running loop has ended. */
  async settle() {
    while (this.runs.size || this.titles.size)
      await Promise.allSettled([...[...this.runs.values()].map((run) => run.done), ...this.titles])
  }

  private async loop(sessionID: string, signal: AbortSignal, force: boolean) {
    const { store } = this.deps
    this.deps.status.set(sessionID, { type: "busy" })
    let steps = 0
    while (!signal.aborted) {
      if ((await this.compaction.requested(sessionID, signal)) === "failed") return
      const more = this.hooks.beforeStep?.(sessionID) ?? false
      const history = store.messages(sessionID)
      const user = history.findLast((m) => m.info.role === "user")?.info as UserMessage | undefined
      if (!user) return
      if (!more && !needsStep(history) && !(force && steps === 0)) return
      const agent = this.deps.agents.get(user.agent) ?? this.deps.agents.get("build")!
      if (steps >= Math.min(agent.steps ?? this.deps.maxSteps, this.stepLimits.get(sessionID) ?? Infinity)) return
      const compacted = await this.compaction.beforeCall(history, user, signal)
      if (compacted === "failed") return
      if (compacted === "compacted") continue
      steps++
      const error = await this.step(sessionID, user, agent, history, signal)
      if (steps === 1 && this.deps.title) this.titling(generateTitle(this.deps, sessionID, user, history))
      if (error) await this.compaction.afterError(error, user, signal)
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
    const directory = store.getSession(sessionID)?.directory ?? this.deps.directory
    const model = this.deps.models.get(user.model)
    const tools = this.hooks.tools({ sessionID, agent }).filter((tool) => user.tools?.[tool.id] !== false)
    const messages = toModelMessages(modelView(history))
    for (let attempt = 1; ; attempt++) {
      const message = newAssistantMessage({
        sessionID,
        parentID: user.id,
        model,
        agent: agent.name,
        directory,
      })
      store.upsertMessage(message)
      const result = await runStep({
        store,
        message,
        model,
        system: systemPrompt(agent, directory, user),
        messages,
        tools,
        temperature: agent.temperature,
        abort: signal,
        idleTimeoutMs: retry.idle_timeout_ms,
        snapshot: this.hooks.snapshot?.(sessionID, directory),
        toolContext: (part, progress) =>
          toolContext(this.deps, { sessionID, agent, part, abort: signal, progress, model: user.model }),
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
      return result.error
    }
  }
}

/** A step is due when the last message is the user's, or the last step ended asking for tools. */
export function needsStep(history: WithParts[]) {
  const last = history.at(-1)
  if (!last) return false
  if (last.info.role === "user") return true
  if (last.info.error) return false
  return last.info.finish === "tool-calls"
}
