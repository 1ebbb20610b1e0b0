import { existsSync } from "node:fs"
import type { AgentInfo } from "../agent/agent"
import type { ModelCache } from "../provider/model-cache"
import { finalAnswer } from "../session/final-answer"
import type { SessionRunner } from "../session/prompt"
import type { Store } from "../session/store"
import type { TaskDispatchResult, TaskParameters, TaskRunner, TaskRunResult } from "../tool/task"
import type { ToolContext, ToolSuccess } from "../tool/tool"
import type { BackgroundTasks } from "./background"
import { createChildSession } from "./child-session"
import type { TaskInfo } from "./task-info"
import { dispatchState } from "./dispatch-part"
import { changesText, receipt } from "./format"
import { descending } from "../id/id"
import type { WorktreeInfo } from "./worktree"

export type SubagentDeps = {
  store: Store
  runner: SessionRunner
  background: BackgroundTasks
  models: ModelCache
  directory: string
  /** How deep sub-agents may nest (`subagent_depth`). */
  maxDepth: number
}

type Call = TaskParameters & { parent: ToolContext; agent: AgentInfo }

/** Where a new child works; an isolated one also has the session (and task) id its branch is named after. */
type Workplace = { ok: true; directory: string; id?: string; worktree?: WorktreeInfo } | { ok: false; error: string }

/**
 * Runs sub-agents for the `task` tool, the role upstream gives its job service: a blocking call
 * runs the child to its end (and can be moved to the background while it runs); a background
 * call is dispatched onto the task ledger. Nesting stops at `maxDepth`.
 */
export class Subagents implements TaskRunner {
  /** Release functions of running foreground calls, per parent session: each moves its call to the background. */
  private foreground = new Map<string, Set<() => void>>()

  constructor(private readonly deps: SubagentDeps) {}

  /** Whether a session may start sub-agents: it is not nested `maxDepth` deep already. */
  mayDelegate(sessionID: string) {
    const depth = Math.max(0, this.deps.store.ancestors(sessionID).length - 1)
    return depth < this.deps.maxDepth
  }

  async dispatch(input: Call): Promise<TaskDispatchResult> {
    const refused = this.refusal(input.parent.sessionID)
    if (refused) return { ok: false, error: refused }
    if (input.task_id)
      return { ok: false, error: "task_id continues a blocking task; background tasks always start a new session" }
    const model = input.agent.model ?? this.parentModel(input.parent)
    if (!model) return { ok: false, error: "no model to run the sub-agent with" }
    const place = await this.workplace(input)
    if (!place.ok) return place
    const task = this.deps.background.dispatch({
      ...parentOf(input),
      id: place.id,
      worktree: place.worktree,
      agent: input.agent.name,
      model,
      description: input.description,
      prompt: input.prompt,
      directory: place.directory,
    })
    input.parent.progress({
      title: input.description,
      metadata: { agent: input.agent.name, sessionId: task.sessionID, taskID: task.id },
    })
    const answer = receipt(task)
    const state = this.followingState(task, answer)
    return { ok: true, taskID: task.id, sessionID: task.sessionID, model: task.model, receipt: answer, state }
  }

  async run(input: Call): Promise<TaskRunResult> {
    const { store, runner, background } = this.deps
    const refused = this.refusal(input.parent.sessionID)
    if (refused) return { ok: false, error: refused }
    // The id a receipt shows is the child session's; a task of an older database is found by its own id.
    const continued = input.task_id ? (background.get(input.task_id)?.sessionID ?? input.task_id) : undefined
    const existing = continued ? store.getSession(continued) : undefined
    if (input.task_id && existing?.parentID !== input.parent.sessionID)
      return { ok: false, error: `task_id ${input.task_id} is not a task of this session` }
    if (existing && !existsSync(existing.directory))
      return {
        ok: false,
        error: `task_id ${input.task_id} worked in ${existing.directory}, which is gone (an isolated task's worktree is removed when it ends); start a new task`,
      }
    const place: Workplace = existing ? { ok: true, directory: existing.directory } : await this.workplace(input)
    if (!place.ok) return place
    const child =
      existing ??
      createChildSession(store, {
        id: place.id,
        parentSessionID: input.parent.sessionID,
        directory: place.directory,
        description: input.description,
        agent: input.agent.name,
        background: false,
      })
    input.parent.progress({ metadata: { sessionId: child.id } })
    const model = input.agent.model ?? this.parentModel(input.parent)
    const onAbort = () => runner.abort(child.id)
    input.parent.abort.addEventListener("abort", onAbort, { once: true })
    const work = runner.prompt(child.id, {
      agent: input.agent.name,
      model,
      parts: [{ type: "text", text: input.prompt }],
    })
    const detach = Promise.withResolvers<"detached">()
    const release = () => detach.resolve("detached")
    const waiting = this.foreground.get(input.parent.sessionID) ?? new Set()
    waiting.add(release)
    this.foreground.set(input.parent.sessionID, waiting)
    const settle = () => background.workspaces.settle({ sessionID: child.id, worktree: place.worktree })
    try {
      const outcome = await Promise.race([work, detach.promise]).catch(async (error: unknown) => {
        await settle()
        throw error
      })
      if (outcome === "detached") {
        const task = background.adopt({
          ...parentOf(input),
          id: place.id,
          worktree: place.worktree,
          sessionID: child.id,
          agent: input.agent.name,
          model: model ?? this.deps.models.defaultRef(),
          description: input.description,
          prompt: input.prompt,
          work,
        })
        const answer = receipt(task)
        return {
          ok: true,
          sessionID: child.id,
          output: answer,
          metadata: { taskID: task.id, background: true, model: task.model, receipt: answer },
          state: this.followingState(task, answer),
        }
      }
      const changes = await settle()
      if (outcome.info.role === "assistant" && outcome.info.error)
        return { ok: false, sessionID: child.id, error: `the sub-agent failed: ${outcome.info.error.data.message}` }
      const text = [finalAnswer(outcome), changes ? changesText(changes) : ""].filter(Boolean).join("\n")
      return { ok: true, sessionID: child.id, text, metadata: changes ? { changes } : undefined }
    } finally {
      waiting.delete(release)
      input.parent.abort.removeEventListener("abort", onAbort)
    }
  }

  /**
   * The state a call answered with `answer` is saved in while `task` goes on: its dispatch part
   * follows the task from then on (`task/dispatch-part.ts`), whether dispatched or moved.
   */
  private followingState(task: TaskInfo, answer: string): ToolSuccess["state"] {
    return (answered) =>
      dispatchState(this.deps.background.get(task.id) ?? task, {
        ...answered,
        start: answered.time.start,
        receipt: answer,
      })
  }

  /** Moves the session's running foreground calls to the background; returns how many moved. */
  moveToBackground(sessionID: string) {
    const waiting = [...(this.foreground.get(sessionID) ?? [])]
    for (const release of waiting) release()
    return waiting.length
  }

  /**
   * Where a new child works: in its parent's directory, or, isolated, in a new git worktree of
   * the parent's current state, on a branch named after the id it is given here: the child
   * session's, and so the task's.
   */
  private async workplace(input: Call): Promise<Workplace> {
    const isolation = input.isolation ?? input.agent.isolation ?? "none"
    if (isolation === "none") return { ok: true, directory: input.parent.directory }
    const id = descending("session")
    const created = await this.deps.background.workspaces.create(input.parent.directory, id)
    if (!created.ok) return created
    return { ok: true, id, worktree: created.worktree, directory: created.worktree.directory }
  }

  private refusal(sessionID: string) {
    if (this.mayDelegate(sessionID)) return undefined
    return `sub-agents may nest at most ${this.deps.maxDepth} levels deep (subagent_depth); do this work yourself`
  }

  /** The model of the calling turn: a sub-agent without its own model inherits it. */
  private parentModel(ctx: ToolContext) {
    return ctx.model ?? this.deps.store.lastUserMessage(ctx.sessionID)?.model
  }
}

function parentOf(input: Call) {
  return {
    parentSessionID: input.parent.sessionID,
    parentMessageID: input.parent.messageID,
    parentCallID: input.parent.callID,
  }
}
