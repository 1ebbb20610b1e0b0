import path from "node:path"
import { Bus } from "./bus/bus"
import { loadAgents, type AgentInfo } from "./agent/agent"
import { loadConfig, tandemSettings, type Config } from "./config/config"
import { Permissions } from "./permission/permission"
import { ModelCache } from "./provider/model-cache"
import type { ProviderFactory } from "./provider/provider"
import { closeInterrupted } from "./session/close-interrupted"
import { finalAnswer } from "./session/final-answer"
import { SessionRunner } from "./session/prompt"
import { StatusTracker } from "./session/status"
import { Store } from "./session/store"
import { dataDirectory, openDb } from "./storage/db"
import { Instances } from "./storage/instances"
import { WriteGroup } from "./storage/write-group"
import { createTaskTool, DEFAULT_SUBAGENT_DEPTH, type TaskRunner } from "./tool/task"
import { ReadTool } from "./tool/read"
import { WriteTool } from "./tool/write"
import { EditTool } from "./tool/edit"
import { BashTool } from "./tool/bash"
import { GlobTool } from "./tool/glob"
import { GrepTool } from "./tool/grep"
import { ListTool } from "./tool/list"
import type { Tool, ToolContext } from "./tool/tool"
import { createTaskCancelTool, createTaskStatusTool } from "./tool/task-control"
import { BackgroundTasks } from "./task/background"
import { Ledger } from "./task/ledger"
import { receipt } from "./task/format"

export type EngineOptions = {
  /** The project directory: config, agent files and file tools are relative to it. */
  directory: string
  /** SQLite file; defaults to `$XDG_DATA_HOME/tandem/tandem.db`. ":memory:" for a private store. */
  dbFile?: string
  /** Config to use instead of reading opencode.json files. */
  config?: Config
  /** Providers that need no npm package, e.g. the scripted model. */
  builtins?: Record<string, ProviderFactory>
  /** False where nobody can answer a permission ask (headless runs): asks are refused. */
  interactive?: boolean
  env?: Record<string, string | undefined>
}

export type Engine = ReturnType<typeof createEngine>

const fileTools: Tool[] = [ReadTool, WriteTool, EditTool, BashTool, GlobTool, GrepTool, ListTool] as Tool[]

/** Assembles storage, bus, config, agents, permissions and the session runner for one project. */
export function createEngine(options: EngineOptions) {
  const directory = path.resolve(options.directory)
  const env = options.env ?? process.env
  const config = options.config ?? loadConfig(directory, env)
  const settings = tandemSettings(config)
  const builtins = options.builtins ?? {}
  const bus = new Bus()
  WriteGroup.commitAll()
  const db = openDb(options.dbFile ?? path.join(dataDirectory(env), "tandem.db"))
  const writes = new WriteGroup(db)
  const store = new Store(db, bus, writes)
  const status = new StatusTracker(bus)
  const interactive = options.interactive ?? true
  const permissions = new Permissions(bus, () => interactive)
  const agents = loadAgents(config, directory)
  const maxDepth = config.subagent_depth ?? DEFAULT_SUBAGENT_DEPTH
  const models = new ModelCache(config, builtins, env)

  const depthOf = (sessionID: string) => Math.max(0, store.ancestors(sessionID).length - 1)

  const subagents = () => [...agents.values()].filter((agent) => agent.mode !== "primary")

  const parentModel = (ctx: ToolContext) => ctx.model ?? store.lastUserMessage(ctx.sessionID)?.model

  const tooDeep = (sessionID: string) =>
    depthOf(sessionID) >= maxDepth
      ? `sub-agents may nest at most ${maxDepth} levels deep (subagent_depth); do this work yourself`
      : undefined

  const taskRunner: TaskRunner = {
    dispatch(input) {
      const deep = tooDeep(input.parent.sessionID)
      if (deep) return { ok: false, error: deep }
      if (input.task_id)
        return { ok: false, error: "task_id continues a blocking task; background tasks always start a new session" }
      const model = input.agent.model ?? parentModel(input.parent)
      if (!model) return { ok: false, error: "no model to run the sub-agent with" }
      const task = background.dispatch({
        parentSessionID: input.parent.sessionID,
        parentMessageID: input.parent.messageID,
        parentCallID: input.parent.callID,
        agent: input.agent.name,
        model,
        description: input.description,
        prompt: input.prompt,
        directory,
      })
      input.parent.progress({
        title: input.description,
        metadata: { agent: input.agent.name, sessionId: task.sessionID, taskID: task.id },
      })
      return { ok: true, taskID: task.id, sessionID: task.sessionID, receipt: receipt(task) }
    },
    async run(input) {
      const deep = tooDeep(input.parent.sessionID)
      if (deep) return { ok: false, error: deep }
      const existing = input.task_id ? store.getSession(input.task_id) : undefined
      if (input.task_id && existing?.parentID !== input.parent.sessionID)
        return { ok: false, error: `task_id ${input.task_id} is not a task of this session` }
      const child =
        existing ??
        store.createSession({
          parentID: input.parent.sessionID,
          directory,
          title: `${input.description} (@${input.agent.name} subagent)`,
          agent: input.agent.name,
        })
      input.parent.progress({ metadata: { sessionId: child.id } })
      const model = input.agent.model ?? parentModel(input.parent)
      const onAbort = () => runner.abort(child.id)
      input.parent.abort.addEventListener("abort", onAbort, { once: true })
      const work = runner.prompt(child.id, {
        agent: input.agent.name,
        model,
        parts: [{ type: "text", text: input.prompt }],
      })
      const detach = Promise.withResolvers<"detached">()
      const waiting = foreground.get(input.parent.sessionID) ?? new Set()
      const release = () => detach.resolve("detached")
      waiting.add(release)
      foreground.set(input.parent.sessionID, waiting)
      try {
        const outcome = await Promise.race([work, detach.promise])
        if (outcome === "detached") {
          const task = background.adopt({
            parentSessionID: input.parent.sessionID,
            parentMessageID: input.parent.messageID,
            parentCallID: input.parent.callID,
            agent: input.agent.name,
            model: model ?? models.defaultRef(),
            description: input.description,
            prompt: input.prompt,
            directory,
            sessionID: child.id,
            work,
          })
          return {
            ok: true,
            sessionID: child.id,
            output: receipt(task),
            metadata: { taskID: task.id, background: true },
          }
        }
        if (outcome.info.role === "assistant" && outcome.info.error)
          return { ok: false, sessionID: child.id, error: `the sub-agent failed: ${outcome.info.error.data.message}` }
        return { ok: true, sessionID: child.id, text: finalAnswer(outcome) }
      } finally {
        waiting.delete(release)
        input.parent.abort.removeEventListener("abort", onAbort)
      }
    },
  }

  /** Release functions of running foreground task calls, per parent session. */
  const foreground = new Map<string, Set<() => void>>()

  const tools = (input: { sessionID: string; agent: AgentInfo }): Tool[] => {
    const chain = store.ancestors(input.sessionID).map((s) => agents.get(s.agent ?? input.agent.name) ?? input.agent)
    const enabled = (id: string) => chain.every((agent) => agent.tools[id] !== false) && input.agent.tools[id] !== false
    const list = fileTools.filter((tool) => enabled(tool.id))
    if (enabled("task") && depthOf(input.sessionID) < maxDepth) list.push(taskTool)
    if (enabled("task_status")) list.push(taskStatus)
    if (enabled("task_cancel")) list.push(taskCancel)
    return list
  }

  const runner: SessionRunner = new SessionRunner({
    store,
    status,
    permissions,
    config,
    directory,
    agents,
    maxSteps: settings.max_steps,
    retry: settings.retry,
    title: settings.title,
    models,
    tools,
    beforeStep: (sessionID) => background.beforeStep(sessionID),
    onIdle: (sessionID) => background.onIdle(sessionID),
    onAbort: (sessionID) => {
      if (settings.background.cancel_on_abort) background.cancelForParent(sessionID, "the parent's turn was aborted")
    },
  })
  const ledger = new Ledger(db, writes)
  const background = new BackgroundTasks({ store, ledger, bus, runner, settings: settings.background })
  const limits = {
    depth: maxDepth,
    resultChars: settings.background.result_chars,
    maxSteps: settings.background.max_steps,
    maxRunning: settings.background.max_running_per_session,
  }
  /**
   * What a start found of a previous process: sessions closed, tasks resumed, interrupted,
   * delivered. Skipped while another engine is alive on the same store: its open work is not ours.
   */
  const instances = new Instances(db)
  const alive = options.dbFile === ":memory:" ? [] : instances.register()
  const recovery = alive.length
    ? { closed: [], resumed: [], interrupted: [], delivered: [], deferredFor: alive }
    : {
        closed: closeInterrupted(store, "the process stopped before this finished"),
        ...background.recover(),
        deferredFor: [] as number[],
      }
  const taskTool = createTaskTool({ subagents: subagents(), limits, runner: taskRunner }) as unknown as Tool
  const taskStatus = createTaskStatusTool(background, settings.background.result_chars) as unknown as Tool
  const taskCancel = createTaskCancelTool(background) as unknown as Tool

  return {
    directory,
    config,
    bus,
    db,
    /** The store's group commit: `writes.after(fn)` runs fn once what is written so far is committed. */
    writes,
    store,
    status,
    permissions,
    agents,
    runner,
    background,
    ledger,
    recovery,
    models,
    builtins,
    /** Moves the session's running foreground task calls to the background; returns how many moved. */
    moveToBackground(sessionID: string) {
      const waiting = [...(foreground.get(sessionID) ?? [])]
      for (const release of waiting) release()
      return waiting.length
    },
    /** Deletes a session and its descendants, aborting any that are running. */
    deleteSession(sessionID: string) {
      background.cancelForParent(sessionID, "the parent session was deleted")
      runner.abort(sessionID)
      const removed = store.deleteSession(sessionID)
      for (const info of removed) runner.abort(info.id)
      return removed
    },
    async close() {
      await background.close()
      for (const session of Object.keys(status.all())) runner.abort(session)
      await runner.settle()
      writes.close()
      if (options.dbFile !== ":memory:") instances.unregister()
      db.close()
    },
  }
}
