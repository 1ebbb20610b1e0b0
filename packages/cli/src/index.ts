#!/usr/bin/env bun
import { VERSION } from "@tandem/core/session/store"
import type { CommandSpec } from "./args"
import { runCommand, runSpec } from "./commands/run"
import { serveCommand, serveSpec } from "./commands/serve"
import { demoCommand, demoSpec } from "./commands/demo"
import { tasksCommand, tasksSpec } from "./commands/tasks"

const commands: Record<string, { spec: CommandSpec; run: (args: string[]) => Promise<number> }> = {
  run: { spec: runSpec, run: runCommand },
  serve: { spec: serveSpec, run: serveCommand },
  tasks: { spec: tasksSpec, run: tasksCommand },
  demo: { spec: demoSpec, run: demoCommand },
}

const width = Math.max(...Object.keys(commands).map((name) => name.length))
const usage = `tandem ${VERSION}: an agent session engine whose sub-agents can work in the background

Usage: tandem <command> [options]

Commands:
${Object.entries(commands)
  .map(([name, { spec }]) => `  ${name.padEnd(width)}  ${spec.summary}`)
  .join("\n")}

Options:
  -h, --help     show this help
  -v, --version  print the version

Run "tandem <command> --help" for the options of a command.
Configuration is read from opencode.json / opencode.jsonc (project, then $XDG_CONFIG_HOME/opencode).`

const argv = process.argv.slice(2)
// `tandem help run` is `tandem run --help`.
const [name, ...args] = argv[0] === "help" && argv[1] ? [argv[1], "--help"] : argv
if (name === "--version" || name === "-v") {
  console.log(VERSION)
  process.exit(0)
}
if (name === "--help" || name === "-h" || name === "help") {
  console.log(usage)
  process.exit(0)
}
if (!name) {
  console.error(usage)
  process.exit(2)
}
const command = commands[name]
if (!command) {
  const what = name.startsWith("-") ? `unknown flag ${name}` : `unknown command "${name}"`
  console.error(`tandem: ${what}\n\n${usage}`)
  process.exit(2)
}
process.exit(await command.run(args))
