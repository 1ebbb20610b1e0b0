import { existsSync, readdirSync, readFileSync } from "node:fs"
import path from "node:path"
import { z } from "zod"
import { parseFrontmatter } from "../agent/frontmatter"
import { CommandConfig, globalConfigDirectory, type Config } from "../config/config"
import { hints, type CommandInfo } from "./command-info"
import initTemplate from "./init.txt" with { type: "text" }
import reviewTemplate from "./review.txt" with { type: "text" }

/** The built-in command that writes or improves the project's AGENTS.md. */
export const INIT = "init"
/** The built-in command that reviews changes in a child session. */
export const REVIEW = "review"

/** A command file's frontmatter; the file's body is the template. */
const CommandFile = CommandConfig.omit({ template: true })

/** Commands from `<root>/command/*.md` and `<root>/commands/*.md`, named after their files. */
export function readCommandFiles(root: string): Record<string, CommandConfig> {
  const found: Record<string, CommandConfig> = {}
  for (const folder of ["command", "commands"]) {
    const dir = path.join(root, folder)
    if (!existsSync(dir)) continue
    for (const file of readdirSync(dir)
      .filter((name) => name.endsWith(".md"))
      .sort()) {
      const { data, body } = parseFrontmatter(readFileSync(path.join(dir, file), "utf8"))
      const parsed = CommandFile.safeParse(data)
      if (!parsed.success) throw new Error(`${path.join(dir, file)}: ${z.prettifyError(parsed.error)}`)
      found[file.slice(0, -3)] = { ...parsed.data, template: body.trim() }
    }
  }
  return found
}

/** A command as the engine runs it: what `GET /command` lists, and the model variant it asks for. */
export type LoadedCommand = CommandInfo & { variant?: string }

function info(name: string, entry: CommandConfig): LoadedCommand {
  return {
    name,
    description: entry.description,
    agent: entry.agent,
    model: entry.model,
    source: "command",
    template: entry.template,
    subtask: entry.subtask,
    hints: hints(entry.template),
    ...(entry.variant ? { variant: entry.variant } : {}),
  }
}

/**
 * The commands of a project, later sources overriding earlier ones of the same name: the
 * built-ins `init` and `review`, the `command` block of the config, command files of the global config
 * directory, then the project's `.opencode/command/` and `.opencode/commands/`.
 */
export function loadCommands(
  config: Config,
  directory: string,
  env: Record<string, string | undefined> = process.env,
): LoadedCommand[] {
  const commands = new Map<string, LoadedCommand>()
  commands.set(INIT, {
    name: INIT,
    description: "create or improve AGENTS.md for this project",
    source: "command",
    template: initTemplate.replaceAll("{{DIRECTORY}}", directory),
    hints: hints(initTemplate),
  })
  commands.set(REVIEW, {
    name: REVIEW,
    description: "review changes: uncommitted by default, or a commit, branch or pull request",
    source: "command",
    template: reviewTemplate.replaceAll("{{DIRECTORY}}", directory),
    subtask: true,
    hints: hints(reviewTemplate),
  })
  const entries = {
    ...config.command,
    ...readCommandFiles(globalConfigDirectory(env)),
    ...readCommandFiles(path.join(directory, ".opencode")),
  }
  for (const [name, entry] of Object.entries(entries)) commands.set(name, info(name, entry))
  return [...commands.values()]
}
