import { createEngine, type Engine } from "@tandem/core/engine"
import { ConfigError } from "@tandem/core/config/config"
import { ModelNotFoundError, parseModel } from "@tandem/core/provider/provider"
import { PromptError } from "@tandem/core/session/prompt"
import { builtins } from "../builtins"
import { flags } from "../args"
import { dim, red, renderLive } from "../render"

/** Runs one message in a new session, printing the reply live; the exit code says whether it worked. */
export async function runMessage(engine: Engine, input: { message: string; model?: string; agent?: string }) {
  const session = engine.store.createSession({ directory: engine.directory })
  const stop = renderLive(engine, session.id)
  try {
    const reply = await engine.runner.prompt(session.id, {
      agent: input.agent,
      model: input.model ? parseModel(input.model) : undefined,
      parts: [{ type: "text", text: input.message }],
    })
    stop()
    if (reply.info.role === "assistant" && reply.info.error) {
      console.error(red(`error: ${reply.info.error.data.message}`))
      return { code: 1, sessionID: session.id }
    }
    const usage = engine.store.getSession(session.id)
    if (usage) console.error(dim(`session ${session.id} · ${usage.tokens.input} in / ${usage.tokens.output} out tokens`))
    return { code: 0, sessionID: session.id }
  } catch (error) {
    stop()
    if (error instanceof PromptError || error instanceof ModelNotFoundError) {
      console.error(red(`error: ${error.message}`))
      return { code: 1, sessionID: session.id }
    }
    throw error
  }
}

export async function runCommand(args: string[]) {
  const parsed = flags(args, {
    model: { type: "string", short: "m" },
    agent: { type: "string" },
    dir: { type: "string" },
  })
  if (!parsed.ok) {
    console.error(`tandem run: ${parsed.message}`)
    return 2
  }
  const message = parsed.positionals.join(" ").trim()
  if (!message) {
    console.error("tandem run: a message is required, e.g. tandem run \"explain this project\"")
    return 2
  }
  let engine: Engine
  try {
    engine = createEngine({ directory: parsed.values.dir ?? process.cwd(), builtins, interactive: false })
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`tandem run: ${error.message}`)
      return 1
    }
    throw error
  }
  try {
    const result = await runMessage(engine, { message, model: parsed.values.model, agent: parsed.values.agent })
    return result.code
  } finally {
    await engine.close()
  }
}
