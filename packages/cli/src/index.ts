#!/usr/bin/env bun
import { runCommand } from "./commands/run"
import { serveCommand } from "./commands/serve"
import { demoCommand } from "./commands/demo"
import { tasksCommand } from "./commands/tasks"

const usage = `tandem: an agent session engine whose sub-agents can work in the background

Usage:
  tandem run [--model provider/model] [--agent name] [--dir path] [--no-wait] <message...>
  tandem serve [--port 4096] [--hostname 127.0.0.1] [--dir path]
  tandem tasks [--url http://127.0.0.1:4096] [--session ID] [--watch] [--cancel TASK_ID]
  tandem demo

Configuration is read from opencode.json / opencode.jsonc (project, then $XDG_CONFIG_HOME/opencode).`

const commands: Record<string, (args: string[]) => Promise<number>> = {
  run: runCommand,
  serve: serveCommand,
  demo: demoCommand,
  tasks: tasksCommand,
}

const [name, ...args] = process.argv.slice(2)
if (!name || name === "--help" || name === "-h" || name === "help") {
  console.log(usage)
  process.exit(name ? 0 : 1)
}
const command = commands[name]
if (!command) {
  console.error(`tandem: unknown command "${name}"\n\n${usage}`)
  process.exit(2)
}
process.exit(await command(args))
