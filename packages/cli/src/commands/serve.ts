import { createEngine } from "@tandem/core/engine"
import { ConfigError } from "@tandem/core/config/config"
import type { RecoveryReport } from "@tandem/core/task/recovery"
import { passwordFromEnv } from "@tandem/server/app"
import { serve } from "@tandem/server/serve"
import { builtins } from "../builtins"
import { commandArgs, type CommandSpec } from "../args"
import { projectDirectory } from "../project-dir"

export const serveSpec = {
  name: "serve",
  summary: "serve the opencode-compatible HTTP API and event stream for a project",
  usage: "[options]",
  flags: {
    port: {
      type: "string",
      short: "p",
      value: "port",
      description: "port to listen on (default 4096; 0 picks a free one)",
    },
    hostname: { type: "string", value: "host", description: "address to listen on (default 127.0.0.1)" },
    dir: { type: "string", value: "path", description: "project directory (default: the working directory)" },
  },
  notes: [
    "Environment:",
    "  TANDEM_SERVER_PASSWORD  require this password (HTTP basic auth, user opencode); OPENCODE_SERVER_PASSWORD also works",
    "Clients: opencode attach <url>, the @opencode-ai/sdk client, tandem tasks --url <url>.",
  ],
} satisfies CommandSpec

export async function serveCommand(args: string[]) {
  const parsed = commandArgs(serveSpec, args)
  if (typeof parsed === "number") return parsed
  if (parsed.positionals.length) {
    console.error(`tandem serve: unexpected argument "${parsed.positionals[0]}"; see tandem serve --help`)
    return 2
  }
  const port = Number(parsed.values.port ?? 4096)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`tandem serve: --port must be a number from 0 to 65535, got "${parsed.values.port}"`)
    return 2
  }
  const directory = projectDirectory(parsed.values.dir)
  if (!directory.ok) {
    console.error(`tandem serve: ${directory.message}`)
    return 2
  }
  let engine
  try {
    engine = createEngine({ directory: directory.path, builtins })
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`tandem serve: ${error.message}`)
      return 1
    }
    throw error
  }
  let server: ReturnType<typeof serve>
  try {
    server = serve(engine, { port, hostname: parsed.values.hostname, password: passwordFromEnv() })
  } catch (error) {
    await engine.close()
    const code = (error as { code?: string }).code
    const reason =
      code === "EADDRINUSE" ? `port ${port} is already in use (pass --port 0 for any free port)` : String(error)
    console.error(`tandem serve: cannot listen on ${parsed.values.hostname ?? "127.0.0.1"}:${port}: ${reason}`)
    return 1
  }
  console.log(`tandem server listening on ${server.url}`)
  engine.owners.serving(server.url.toString())
  const { closed, resumed, interrupted, delivered } = engine.recovery
  if (closed.length || resumed.length || interrupted.length || delivered.length)
    console.log(`recovered from the previous run: ${recoverySummary(engine.recovery)}`)
  engine.owners.onTakeOver = (report) =>
    console.log(`took over the work of a stopped tandem process: ${recoverySummary(report)}`)
  await new Promise<void>((resolve) => {
    const stop = () => resolve()
    process.once("SIGINT", stop)
    process.once("SIGTERM", stop)
  })
  await server.stop()
  await engine.close()
  return 0
}

function recoverySummary(report: RecoveryReport) {
  const { closed, resumed, interrupted, delivered } = report
  return `${closed.length} session(s) closed, ${resumed.length} task(s) resumed, ${interrupted.length} interrupted, ${delivered.length} result(s) delivered`
}
