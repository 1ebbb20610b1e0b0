import { writeFileSync } from "node:fs"
import path from "node:path"
import { createEngine, type Engine } from "@tandem/core/engine"
import type { Config } from "@tandem/core/config/config"
import { TaskCreated, TaskUpdated } from "@tandem/core/task/events"
import type { TaskInfo } from "@tandem/core/task/task-info"
import { serve } from "@tandem/server/serve"
import { scriptedProviderConfig, tempProject } from "./fixture"
import { gate, type ScriptRequest, type Turn } from "./script"
import { startScriptedServer, type ScriptedServer } from "./scripted-server"

/** One background child of the fan-out. */
export type ChildPlan = {
  /** How the harness names the child; its prompt is `CHILD <key>`. */
  key: string
  description: string
  agent?: string
  /** A tool the child calls on its first step, before it answers. */
  tool?: { name: string; input: Record<string, unknown> }
  /** The child's answer waits for `release(key)` (default true); false answers at once. */
  held?: boolean
  /** The child's answer is a provider error instead of text. */
  fails?: boolean
  /** Tokens the child's answer reports. */
  usage?: { input: number; output: number }
}

export type MonitorFanout = {
  /** The Tandem server's base URL. */
  url: string
  engine: Engine
  model: ScriptedServer
  /** The root session that dispatched the children. */
  sessionID: string
  /** Basic-auth header value when the server has a password. */
  authorization?: string
  /** Lets a held child answer. */
  release(key: string): void
  releaseAll(): void
  /** The ledger row of a child, by its key. */
  task(key: string): TaskInfo | undefined
  tasks(): TaskInfo[]
  /** Resolves once `done` holds for the root's tasks (checked on every task event). */
  until(done: (tasks: TaskInfo[]) => boolean): Promise<void>
  stop(): Promise<void>
}

/** Prices per million tokens, so the page has costs to show. */
const COST = { input: 3, output: 15 }

/**
 * A Tandem server on loopback whose root session fans out background children on the scripted
 * OpenAI-compatible server, each held until the caller releases it: a fan-out to watch in a browser.
 */
export async function startMonitorFanout(input: {
  children: ChildPlan[]
  title?: string
  password?: string
  config?: Config
}): Promise<MonitorFanout> {
  const plans = new Map(input.children.map((plan) => [plan.key, plan]))
  const gates = new Map(input.children.map((plan) => [plan.key, gate()]))

  const model = startScriptedServer({ responder: (request) => answer(request) })
  const directory = tempProject("tandem-monitor-")
  const base = scriptedProviderConfig(model.url)
  const config: Config = {
    ...base,
    provider: { local: { ...base.provider!.local!, models: { scripted: { cost: COST } } } },
    ...input.config,
    tandem: {
      title: false,
      ...input.config?.tandem,
      background: { progress_interval_ms: 0, coalesce_ms: 25, ...input.config?.tandem?.background },
    },
  }
  writeFileSync(path.join(directory, "opencode.json"), JSON.stringify(config))
  const engine = createEngine({ directory, dbFile: path.join(directory, "tandem.db") })
  const server = serve(engine, { port: 0, password: input.password })
  const authorization = input.password ? `Basic ${btoa(`tandem:${input.password}`)}` : undefined
  const headers = { "content-type": "application/json", ...(authorization ? { authorization } : {}) }

  const created = await fetch(`${server.url}/session`, {
    method: "POST",
    headers,
    body: JSON.stringify({ title: input.title ?? "Fan-out" }),
  })
  const sessionID = ((await created.json()) as { id: string }).id
  const sent = await fetch(`${server.url}/session/${sessionID}/prompt_async`, {
    method: "POST",
    headers,
    body: JSON.stringify({ parts: [{ type: "text", text: "FANOUT" }] }),
  })
  if (sent.status !== 204) throw new Error(`the fan-out prompt was refused: ${sent.status} ${await sent.text()}`)

  const tasks = () => engine.background.list(sessionID)
  const byKey = (key: string) => tasks().find((task) => task.prompt === `CHILD ${key}`)
  return {
    url: server.url,
    engine,
    model,
    sessionID,
    authorization,
    release: (key) => gates.get(key)?.release(),
    releaseAll: () => gates.forEach((held) => held.release()),
    task: byKey,
    tasks,
    until(done) {
      if (done(tasks())) return Promise.resolve()
      return new Promise<void>((resolve) => {
        const check = () => {
          if (!done(tasks())) return
          offCreated()
          offUpdated()
          resolve()
        }
        const offCreated = engine.bus.on(TaskCreated, check)
        const offUpdated = engine.bus.on(TaskUpdated, check)
      })
    },
    async stop() {
      gates.forEach((held) => held.release())
      await server.stop()
      await engine.close()
      await model.stop()
    },
  }

  /** The scripted model: the root dispatches every child at once; each child follows its plan. */
  function answer(request: ScriptRequest): Turn | Promise<Turn> {
    // Routed by the first user message: a steering message must not change who is answering.
    const first = request.messages.find((message) => message.role === "user")?.text ?? ""
    const steps = request.messages.filter((message) => message.role === "assistant").length
    if (first === "FANOUT")
      return steps === 0
        ? {
            toolCalls: input.children.map((plan) => ({
              name: "task",
              input: {
                description: plan.description,
                prompt: `CHILD ${plan.key}`,
                subagent_type: plan.agent ?? "general",
                background: true,
              },
            })),
            usage: { input: 2400, output: 180 * input.children.length },
          }
        : { text: "Noted; the remaining results will arrive by themselves.", usage: { input: 3000, output: 40 } }
    const plan = plans.get(first.replace(/^CHILD /, ""))
    if (!plan) return { text: `no plan for "${first}"` }
    if (plan.tool && steps === 0) return { toolCalls: [plan.tool], usage: { input: 900, output: 60 } }
    return finish(plan, gates.get(plan.key)!, request.signal)
  }
}

async function finish(plan: ChildPlan, held: ReturnType<typeof gate>, signal?: AbortSignal): Promise<Turn> {
  if (plan.held !== false) await Promise.race([held.promise, aborted(signal)])
  if (plan.fails) return { error: `${plan.description}: the provider failed` }
  return { text: `${plan.description}: done.`, usage: plan.usage ?? { input: 1500, output: 320 } }
}

/** Resolves when the request is aborted (a cancelled child), so a held answer does not hang. */
function aborted(signal?: AbortSignal) {
  return new Promise<void>((resolve) => {
    if (!signal) return
    if (signal.aborted) return resolve()
    signal.addEventListener("abort", () => resolve(), { once: true })
  })
}
