import { createEngine, type Engine } from "@tandem/core/engine"
import { ConfigError } from "@tandem/core/config/config"
import { ModelNotFoundError, parseModelRef } from "@tandem/core/provider/provider"
import { PromptError } from "@tandem/core/session/prompt"
import { builtins } from "../builtins"
import { flags } from "../args"
import { projectDirectory } from "../project-dir"
import { dim, red, renderLive } from "../render"

export type Conversation = {
  /** Messages sent in turn; each waits for the parent to go idle, not for background tasks. */
  messages: string[]
  model?: string
  agent?: string
  /** Wait until every background result has been delivered and answered (default true). */
  wait?: boolean
  /** Printed before each message after the first. */
  echo?: (message: string) => void
}

/** Runs messages in a new session, printing everything live; the exit code says whether it worked. */
export async function runConversation(engine: Engine, input: Conversation) {
  const session = engine.store.createSession({ directory: engine.directory })
  const stop = renderLive(engine, session.id)
  try {
    for (const [index, message] of input.messages.entries()) {
      if (index > 0) input.echo?.(message)
      const reply = await engine.runner.prompt(session.id, {
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
    if (input.wait !== false) await engine.background.settled(session.id)
    stop()
    const last = engine.store.messages(session.id).findLast((m) => m.info.role === "assistant")
    if (last?.info.role === "assistant" && last.info.error) {
      console.error(red(`error: ${engine.secrets.mask(last.info.error.data.message)}`))
      return 1
    }
    const usage = engine.store.getSession(session.id)
    if (usage)
      console.error(dim(`session ${session.id} · ${usage.tokens.input} in / ${usage.tokens.output} out tokens`))
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

export async function runCommand(args: string[]) {
  const parsed = flags(args, {
    model: { type: "string", short: "m" },
    agent: { type: "string" },
    dir: { type: "string" },
    "no-wait": { type: "boolean" },
  })
  if (!parsed.ok) {
    console.error(`tandem run: ${parsed.message}`)
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
  // Ctrl-C stops cleanly: running turns are aborted and unfinished background tasks stay in the
  // ledger, to be resumed by the next tandem process that opens this project's data.
  const interrupted = new Promise<number>((resolve) => process.once("SIGINT", () => resolve(130)))
  try {
    return await Promise.race([
      runConversation(engine, {
        messages: [message],
        model: parsed.values.model,
        agent: parsed.values.agent,
        wait: !parsed.values["no-wait"],
      }),
      interrupted,
    ])
  } finally {
    await engine.close()
  }
}
