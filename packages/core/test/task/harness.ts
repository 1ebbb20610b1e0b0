import { testEngine } from "@tandem/testing/fixture"
import {
  deliveredTasks,
  gate,
  lastToolResults,
  lastUser,
  type Responder,
  type ScriptRequest,
  type Turn,
} from "@tandem/testing/script"
import type { BackgroundConfig } from "../../src/config/config"
import type { Engine } from "../../src/engine"
import { SessionIdle } from "../../src/session/events"
import type { ToolPart } from "../../src/session/message"

// Shared by the background-task tests: scripted parents and children, and views of a transcript.

const engines: Engine[] = []

/** Closes every engine `setup` made; each test file runs it in `afterEach`. */
export async function closeEngines() {
  for (const engine of engines.splice(0)) await engine.close()
}

/** Closes one engine `setup` made before the test ends (its process stops). */
export async function closeEngine(engine: Engine) {
  engines.splice(engines.indexOf(engine), 1)
  await engine.close()
}

export type Handler = (request: ScriptRequest) => Turn | Promise<Turn>

/** Routes each model call by the text of the session's last user message. */
export function byPrompt(handlers: Record<string, Handler>, fallback: Handler = () => ({ text: "ok" })): Responder {
  return (request) => {
    const said = lastUser(request)
    const handler = handlers[said] ?? Object.entries(handlers).find(([key]) => said.startsWith(key))?.[1] ?? fallback
    return handler(request)
  }
}

/** A `task` tool call that starts `prompt` in the background. */
export const background = (prompt: string, description = prompt) => ({
  name: "task",
  input: { description, prompt, subagent_type: "general", background: true },
})

/** First call: the given tool calls; after their results: `then`. Delivered results get `onResult`. */
export function dispatcher(
  calls: Turn["toolCalls"],
  then: string,
  onResult: (request: ScriptRequest) => Turn = () => ({ text: "got results" }),
): Handler {
  return (request) => {
    const results = lastToolResults(request)
    if (!results.length) return { toolCalls: calls }
    if (results.every((r) => r.output.includes("Background task started"))) return { text: then }
    return onResult(request)
  }
}

/** An engine on the scripted model with fast background settings, closed after the test. */
export function setup(
  responder: Responder,
  settings: Partial<BackgroundConfig> = {},
  extra: {
    interactive?: boolean
    permission?: Record<string, "allow" | "ask" | "deny">
    /** A data file and project another engine may share, as two processes of one project do. */
    dbFile?: string
    directory?: string
  } = {},
) {
  const harness = testEngine({
    responder,
    interactive: extra.interactive,
    dbFile: extra.dbFile,
    directory: extra.directory,
    config: {
      permission: extra.permission,
      tandem: { background: { coalesce_ms: 25, progress_interval_ms: 0, ...settings } },
    },
  })
  engines.push(harness.engine)
  return harness
}

/** A handler that answers `text` once `held` is released. */
export const answersWhenReleased =
  (held: ReturnType<typeof gate>, text: string): Handler =>
  async () => {
    await held.promise
    return { text }
  }

export const say = (text: string) => ({ parts: [{ type: "text" as const, text }] })

/** Every text part of a session, in order. */
export const texts = (engine: Engine, sessionID: string) =>
  engine.store.messages(sessionID).flatMap((m) => m.parts.flatMap((p) => (p.type === "text" ? [p.text] : [])))

/** The synthetic `task` parts that delivered results to a session. */
/** The parent's own `task` call parts (not the delivered ones), in call order. */
export const dispatchParts = (engine: Engine, sessionID: string) =>
  engine.store
    .messages(sessionID)
    .flatMap((m) => m.parts)
    .filter((p): p is ToolPart => p.type === "tool" && p.tool === "task" && p.metadata?.synthetic !== true)

export const synthetic = (engine: Engine, sessionID: string) =>
  engine.store
    .messages(sessionID)
    .flatMap((m) => m.parts)
    .filter((p): p is ToolPart => p.type === "tool" && p.metadata?.synthetic === true)

export const idleAfter = (engine: Engine, sessionID: string) =>
  engine.bus.once(SessionIdle, (e) => e.sessionID === sessionID)

/** How many task results the request's last tool results carry (a delivery sends them all in one result). */
export const resultsIn = deliveredTasks
