import type { CompactionConfig, Config } from "../../config/config"
import { ascending } from "../../id/id"
import { modelLimit } from "../../provider/model-limit"
import type { ModelCache } from "../../provider/model-cache"
import type { ModelRef, ToolPart, UserMessage, WithParts } from "../message"
import type { MessageError } from "../message-error"
import { isContextOverflow } from "./context-overflow"
import type { StatusTracker } from "../status"
import type { Store } from "../store"
import { SessionCompacted } from "./events"
import { estimateTokens, isOverflow, usableContext } from "./overflow"
import { cleared, prunable } from "./prune"
import { writeSummary } from "./summarize"
import { firstUnread } from "./unread"
import { recentTail } from "./tail"
import { isSummary, modelView, requestedCompaction, tailOf } from "./view"

/** Estimated tokens of a tool output the model has not been sent yet. */
function unsent(part: ToolPart) {
  return part.state.status === "completed" && !part.state.time.compacted ? estimateTokens(part.state.output) : 0
}

/** What a compaction did: nothing was due, the summary was written, or the summary call failed. */
export type CompactionOutcome = "none" | "compacted" | "failed"

/** The synthetic user text that lets the agent carry on after an automatic compaction. */
export const CONTINUE_TEXT =
  "The conversation above was summarised to fit the model's context. Continue the work where it stopped; if nothing is left to do, say so."

export type CompactionDeps = {
  store: Store
  status: StatusTracker
  config: Config
  models: ModelCache
  directory: string
  idleTimeoutMs?: number
}

/**
 * Keeps a session's transcript within its model's context, as opencode does: a summary message
 * that stands for everything before it (asked for, or automatic before a call that would
 * overflow), and old tool outputs cleared once a loop ends. Delivered background results the
 * model has not read yet are kept verbatim after the summary and never cleared.
 */
export class Compaction {
  private readonly settings: CompactionConfig

  constructor(private readonly deps: CompactionDeps) {
    this.settings = deps.config.compaction ?? {}
  }

  /** Writes a compaction request: a user message with a `compaction` part, answered by the loop. */
  request(sessionID: string, input: { model: ModelRef; agent: string; auto: boolean; overflow?: boolean }) {
    const { store } = this.deps
    const info: UserMessage = {
      id: ascending("message"),
      sessionID,
      role: "user",
      time: { created: Date.now() },
      agent: input.agent,
      model: input.model,
    }
    const part = { id: ascending("part"), sessionID, messageID: info.id, type: "compaction" as const }
    store.transaction(() => {
      store.upsertMessage(info)
      store.upsertPart({ ...part, auto: input.auto, ...(input.overflow ? { overflow: true } : {}) })
    })
    return info
  }

  /** A client's request to compact with the given model; throws ModelNotFoundError when it does not resolve. */
  ask(sessionID: string, input: { providerID: string; modelID: string; auto?: boolean }) {
    const model = { providerID: input.providerID, modelID: input.modelID }
    this.deps.models.get(model)
    const agent = this.deps.store.lastUserMessage(sessionID)?.agent ?? this.deps.config.default_agent ?? "build"
    return this.request(sessionID, { model, agent, auto: input.auto ?? false })
  }

  /** Whether the session's last user message asks for a compaction (read without the whole transcript). */
  isRequested(sessionID: string) {
    const last = this.deps.store.lastUserMessage(sessionID)
    return !!last && this.deps.store.parts(last.id).some((part) => part.type === "compaction")
  }

  /** Whether the compaction request `messageID` is the session's last user message and has no summary yet. */
  isPending(sessionID: string, messageID: string) {
    return requestedCompaction(this.deps.store.messages(sessionID))?.info.id === messageID
  }

  /** Runs the compaction the last user message asks for, if any. */
  async requested(sessionID: string, signal: AbortSignal): Promise<CompactionOutcome> {
    if (!this.isRequested(sessionID)) return "none"
    const history = this.deps.store.messages(sessionID)
    const request = requestedCompaction(history)
    if (!request) return "none"
    return this.summarise(history, request.index, signal)
  }

  /**
   * Before a model call for `user`: when the call would overflow the model's context (what the
   * last call filled plus the tool outputs and delivered results appended since), the session is compacted first
   * and a synthetic user message asks the agent to go on. Off with `compaction.auto: false`.
   */
  async beforeCall(history: WithParts[], user: UserMessage, signal: AbortSignal): Promise<CompactionOutcome> {
    if (this.settings.auto === false) return "none"
    const last = history.findLast((m) => m.info.role === "assistant" && m.info.tokens.input + m.info.tokens.output > 0)
    if (!last || last.info.role !== "assistant" || last.info.summary) return "none"
    const pending = history
      .slice(history.indexOf(last))
      .flatMap((m) => m.parts)
      .reduce((sum, part) => sum + (part.type === "tool" ? unsent(part) : 0), 0)
    const limit = modelLimit(this.deps.config, user.model)
    if (!isOverflow({ tokens: last.info.tokens, pending, limit, reserved: this.settings.reserved })) return "none"
    return this.compactAndGoOn(user, signal)
  }

  /**
   * After a call the provider refused for overflowing the model's context: compacts and lets the
   * agent go on, unless the call already started from a summary with nothing read since, when
   * another summary would not help. Off with `compaction.auto: false`.
   */
  async afterError(error: MessageError, user: UserMessage, signal: AbortSignal): Promise<CompactionOutcome> {
    if (this.settings.auto === false || signal.aborted || !isContextOverflow(error)) return "none"
    const history = this.deps.store.messages(user.sessionID)
    const lastGood = history.findLast((m) => m.info.role === "assistant" && !m.info.error)
    if (lastGood && isSummary(lastGood)) return "none"
    return this.compactAndGoOn(user, signal)
  }

  /** An automatic compaction, then a synthetic user message that asks the agent to go on. */
  private async compactAndGoOn(user: UserMessage, signal: AbortSignal): Promise<CompactionOutcome> {
    const sessionID = user.sessionID
    this.request(sessionID, { model: user.model, agent: user.agent, auto: true, overflow: true })
    const outcome = await this.requested(sessionID, signal)
    if (outcome !== "compacted") return outcome
    const { store } = this.deps
    const resume: UserMessage = { ...user, id: ascending("message"), time: { created: Date.now() } }
    store.transaction(() => {
      store.upsertMessage(resume)
      store.upsertPart({
        id: ascending("part"),
        sessionID,
        messageID: resume.id,
        type: "text",
        text: CONTINUE_TEXT,
        synthetic: true,
      })
    })
    return outcome
  }

  /** Clears old tool outputs of a session (after its loop ended); off with `compaction.prune: false`. */
  prune(sessionID: string) {
    if (this.settings.prune === false) return 0
    const { store } = this.deps
    const parts = prunable(store.messages(sessionID))
    const now = Date.now()
    if (parts.length) store.transaction(() => parts.forEach((part) => store.upsertPart(cleared(part, now))))
    return parts.length
  }

  /**
   * Summarises what the model sees before the request at `index`. What the model has not read
   * there (delivered results, the prompt of this turn) stays verbatim after the summary (the
   * request's `tail_start_id`), so the model reads each once before it can be summarised away;
   * so do the recent turns `compaction.tail_turns` / `preserve_recent_tokens` ask to keep.
   * `time.compacting` is set meanwhile.
   */
  private async summarise(history: WithParts[], index: number, signal: AbortSignal): Promise<CompactionOutcome> {
    const { store, models } = this.deps
    const request = history[index]!
    const info = request.info as UserMessage
    const before = history.slice(0, index)
    const view = modelView(before)
    const usable = usableContext(modelLimit(this.deps.config, info.model), this.settings.reserved)
    const recent = recentTail(view, this.settings, usable)
    const recentStart = recent >= 0 ? before.findIndex((m) => m.info.id === view[recent]!.info.id) : -1
    const starts = [firstUnread(before), recentStart].filter((at) => at >= 0)
    const tailStart = starts.length ? Math.min(...starts) : -1
    if (tailStart >= 0) {
      const part = request.parts.find((p) => p.type === "compaction")!
      store.upsertPart({ ...part, tail_start_id: before[tailStart]!.info.id } as typeof part)
    }
    const kept = new Set(tailOf(before, tailStart).map((m) => m.info.id))
    const transcript = view.filter((m) => !kept.has(m.info.id))
    const session = store.updateSession(info.sessionID, (s) => ({ ...s, time: { ...s.time, compacting: Date.now() } }))
    try {
      const summary = await writeSummary({
        store,
        model: models.get(info.model),
        request: info,
        transcript,
        directory: session?.directory ?? this.deps.directory,
        abort: signal,
        idleTimeoutMs: this.deps.idleTimeoutMs,
      })
      if (summary.error) return "failed"
      store.bus.publish(SessionCompacted, { sessionID: info.sessionID })
      return "compacted"
    } finally {
      store.updateSession(info.sessionID, (s) => ({ ...s, time: { ...s.time, compacting: undefined } }))
    }
  }
}
