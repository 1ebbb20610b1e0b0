import { createEngine, type Engine } from "@tandem/core/engine"
import { ConfigError } from "@tandem/core/config/config"
import { ModelNotFoundError, parseModelRef } from "@tandem/core/provider/provider"
import { PromptError } from "@tandem/core/session/prompt"
import { builtins } from "../builtins"
import { commandArgs, type CommandSpec } from "../args"
import { projectDirectory } from "../project-dir"
import { dim, red, renderLive } from "../render"
import { usageLine } from "../render-tasks"

export type Conversation = {
  /** Messages sent in turn; each waits for the parent to go idle, not for background tasks. */
  messages: string[]
  /** The session to continue; a new one when absent. */
  sessionID?: string
  model?: string
  agent?: string
  /** Wait until every background result has been delivered and answered (default true). */
  wait?: boolean
  /** Printed before each message after the first. */
  echo?: (message: string) => void
}

/**
 * Runs messages in a session (the given one, else a new one), printing everything live; the exit
 * code says whether it worked.
 */
export async function runConversation(engine: Engine, input: Conversation) {
  const sessionID = input.sessionID ?? engine.sessions.createRoot().id
  const stop = renderLive(engine, sessionID)
  try {
    for (const [index, message] of input.messages.entries()) {
      if (index > 0) input.echo?.(message)
      const reply = await engine.runner.prompt(sessionID, {
        agent: input.agent,
        model: input.model ? parseModelRef(input.model) : undefined,
        parts: [{ type: "text", text: message }],
      })
      if (reply.info.role === "assistant" && reply.info.error) {
        stop()
        console.error(red(`error: ${engine.secrets.mask(reply.info.error.data.message)}`))
        return 1
      }
    }
    if (input.wait !== false) await engine.background.settled(sessionID)
    stop()
    const last = engine.sessions.messages(sessionID).findLast((m) => m.info.role === "assistant")
    if (last?.info.role === "assistant" && last.info.error) {
      console.error(red(`error: ${engine.secrets.mask(last.info.error.data.message)}`))
      return 1
    }
    // The whole tree: what the background children spent is part of what this run cost.
    const usage = engine.background.usage(sessionID)
    if (usage) console.error(dim(`session ${sessionID} · ${usageLine(usage)}`))
    return 0
  } catch (error) {
    stop()
    if (error instanceof PromptError || error instanceof ModelNotFoundError) {
      console.error(red(`error: ${engine.secrets.mask(error.message)}`))
      return 1
    }
    throw error
  }
}

export const runSpec = {
  name: "run",
  summary: "send a message to a session and print its work live, background tasks included",
  usage: "[options] <message...>",
  flags: {
    model: {
      type: "string",
      short: "m",
      value: "provider/model",
      description: 'model to use (default: the config\'s "model")',
    },
    agent: {
      type: "string",
      value: "name",
      description: "agent to answer with (default: the session's last, else build)",
    },
    continue: {
      type: "boolean",
      short: "c",
      description: "continue the most recent session of this project directory",
    },
    session: { type: "string", short: "s", value: "ID", description: "continue the session ID" },
    dir: { type: "string", value: "path", description: "project directory (default: the working directory)" },
    "no-wait": {
      type: "boolean",
      description: "exit once the session is idle, leaving background results undelivered",
    },
  },
  notes: ["The session id is printed at the end; pass it to --session to go on with that conversation."],
} satisfies CommandSpec

/** The session `--continue` or `--session` names, or why it cannot be continued here. */
export function sessionToContinue(
  engine: Engine,
  wanted: { continue?: boolean; session?: string },
): { ok: true; sessionID?: string } | { ok: false; message: string } {
  if (wanted.session) {
    const session = engine.sessions.get(wanted.session)
    if (!session) return { ok: false, message: `session ${wanted.session} does not exist` }
    if (session.directory !== engine.directory)
      return {
        ok: false,
        message: `session ${wanted.session} belongs to ${session.directory}, not ${engine.directory}; run it there or pass --dir`,
      }
    return { ok: true, sessionID: session.id }
  }
  if (!wanted.continue) return { ok: true }
  const [latest] = engine.sessions.list({ roots: true, limit: 1 })
  if (!latest) return { ok: false, message: `no earlier session in ${engine.directory} to continue` }
  return { ok: true, sessionID: latest.id }
}

export async function runCommand(args: string[]) {
  const parsed = commandArgs(runSpec, args)
  if (typeof parsed === "number") return parsed
  if (parsed.values.continue && parsed.values.session) {
    console.error("tandem run: --continue and --session cannot be used together; pick one")
    return 2
  }
  const message = parsed.positionals.join(" ").trim()
  if (!message) {
    console.error('tandem run: a message is required, e.g. tandem run "explain this project"')
    return 2
  }
  const directory = projectDirectory(parsed.values.dir)
  if (!directory.ok) {
    console.error(`tandem run: ${directory.message}`)
    return 2
  }
  let engine: Engine
  try {
    engine = createEngine({ directory: directory.path, builtins, interactive: false })
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`tandem run: ${error.message}`)
      return 1
    }
    throw error
  }
  const continued = sessionToContinue(engine, parsed.values)
  if (!continued.ok) {
    console.error(`tandem run: ${continued.message}`)
    await engine.close()
    return 1
  }
  // Ctrl-C stops cleanly: running turns are aborted and unfinished background tasks stay in the
  // ledger, to be resumed by the next tandem process that opens this project's data.
  const interrupted = new Promise<number>((resolve) => process.once("SIGINT", () => resolve(130)))
  try {
    return await Promise.race([
      runConversation(engine, {
        messages: [message],
        sessionID: continued.sessionID,
        model: parsed.values.model,
        agent: parsed.values.agent,
        wait: !parsed.values["no-wait"],
      }),
      interrupted,
    ])
  } finally {
    const left = leftBehind(engine)
    await engine.close()
    if (left) console.error(dim(left))
  }
}

/**
 * What becomes of the background tasks this run leaves unfinished (--no-wait, Ctrl-C): a server
 * of the project takes them over within a heartbeat, else the next tandem process of the project.
 */
export function leftBehind(engine: Engine) {
  const { tasks, server } = engine.owners.leaving()
  if (!tasks.length) return undefined
  const what = `${tasks.length} unfinished background task(s)`
  if (server) return `${what} taken over by the tandem server at ${server}, which delivers their results`
  return `${what} left for the next tandem process of this project (tandem serve, or tandem run --continue in ${engine.directory}), which resumes them`
}
