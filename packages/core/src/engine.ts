import path from "node:path"
import { loadAgents } from "./agent/agent"
import { Commands } from "./command/commands"
import { Bus } from "./bus/bus"
import { tandemSettings, type Config } from "./config/config"
import { configWithSecrets } from "./config/secrets"
import { Permissions } from "./permission/permission"
import { ModelCache } from "./provider/model-cache"
import { deadlinesOf, timedFetch } from "./provider/timed-fetch"
import type { ProviderFactory } from "./provider/provider"
import { SessionRunner } from "./session/prompt"
import { Sessions } from "./session/sessions"
import { StatusTracker } from "./session/status"
import { Store } from "./session/store"
import { dataDirectory, openDb } from "./storage/db"
import { WriteGroup } from "./storage/write-group"
import { BackgroundTasks } from "./task/background"
import { Ledger } from "./task/ledger"
import { Owners, ownersOf } from "./task/owners"
import { createHistory } from "./snapshot/create-history"
import { followDispatchParts } from "./task/dispatch-part"
import { Subagents } from "./task/subagents"
import { workspacesOf } from "./task/workspaces"
import { DEFAULT_SUBAGENT_DEPTH } from "./tool/task"
import { createToolSet } from "./tool/tool-set"

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

/**
 * The composition root: builds one project's services in dependency order and wires them.
 * Behaviour lives in the services; nothing here but construction, hook wiring and shutdown.
 */
export function createEngine(options: EngineOptions) {
  const directory = path.resolve(options.directory)
  const env = options.env ?? process.env
  const { config, secrets } = configWithSecrets(directory, env, options.config)
  const settings = tandemSettings(config)
  const builtins = options.builtins ?? {}
  const interactive = options.interactive ?? true
  const maxDepth = config.subagent_depth ?? DEFAULT_SUBAGENT_DEPTH
  const privateStore = options.dbFile === ":memory:"

  const bus = new Bus()
  WriteGroup.commitAll()
  const db = openDb(options.dbFile ?? path.join(dataDirectory(env), "tandem.db"))
  const writes = new WriteGroup(db)
  const store = new Store(db, bus, writes)
  const owned = ownersOf(db, directory, writes)
  const ledger = new Ledger(db, writes, owned.instances.id)
  const status = new StatusTracker(bus)
  const permissions = new Permissions(bus, () => interactive)
  const agents = loadAgents(config, directory)
  const workspaces = workspacesOf(directory, path.join(dataDirectory(env), "worktrees"), settings.background, agents)
  const models = new ModelCache(config, builtins, env, timedFetch(deadlinesOf(settings.retry)))

  const runner = new SessionRunner({
    store,
    status,
    permissions,
    config,
    directory,
    fileVersions: workspaces.fileVersions,
    agents,
    models,
    maxSteps: settings.max_steps,
    retry: settings.retry,
    title: settings.title,
  })
  const tasks = { store, ledger, bus, runner, settings: settings.background, workspaces, turns: owned.leases }
  const background = new BackgroundTasks(tasks)
  followDispatchParts(bus, store)
  const subagents = new Subagents({ store, runner, background, models, directory, maxDepth })
  const sessions = new Sessions({
    store,
    runner,
    agents,
    directory,
    onDelete: background.onDelete,
    onIdleAbort: (sessionID) => background.abortedChild(sessionID),
  })
  const tools = createToolSet({ agents, store, settings: settings.background, maxDepth, subagents, background })
  const history = createHistory({ ...options, directory, env, config, store, bus, runner, ledger, background })
  runner.setHooks({
    ...history.loopHooks,
    tools: (input) => tools.forSession(input),
    beforeStep: (sessionID) => background.beforeStep(sessionID),
    onIdle: (sessionID) => background.onIdle(sessionID),
    onAbort: (sessionID) => background.onAbort(sessionID),
  })

  const commands = new Commands({ store, runner, subagents, agents, models, config, directory, env })
  const owners = new Owners({ ...owned, store, bus, background })

  return {
    directory,
    config,
    /** Values that never leave the engine: everything going out is masked with `secrets.mask`. */
    secrets,
    builtins,
    bus,
    /** The store's group commit: `writes.after(fn)` runs fn once what is written so far is committed. */
    writes,
    store,
    status,
    permissions,
    agents,
    models,
    runner,
    background,
    subagents,
    sessions,
    history,
    tools,
    commands,
    recovery: owners.start({ watch: !privateStore }),
    /** This process as the owner of its work: its lease, take-overs, what it leaves on exit. */
    owners,
    /** Stops background work, aborts running loops, waits for them, then closes the store. */
    async close() {
      await background.close()
      for (const sessionID of Object.keys(status.all())) runner.abort(sessionID)
      await runner.settle()
      await history.stop()
      await workspaces.close()
      writes.close()
      owners.stop()
      db.close()
    },
  }
}
