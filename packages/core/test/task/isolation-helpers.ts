import { mkdirSync, writeFileSync } from "node:fs"
import path from "node:path"
import { tempProject, testEngine } from "@tandem/testing/fixture"
import { lastToolResults, type ScriptRequest, type Turn } from "@tandem/testing/script"
import type { Config } from "../../src/config/config"
import type { Engine } from "../../src/engine"
import { byPrompt, say, type Handler } from "./harness"

// Shared by the tests of isolated children: a git repository to work in, scripted children that
// run a list of tool calls, and what git has left behind.

const engines: Engine[] = []

/** Closes every engine `start` made; each test file runs it in `afterEach`. */
export async function closeIsolationEngines() {
  for (const engine of engines.splice(0)) await engine.close()
}

/** Closes one engine now, before the test ends. */
export async function closeNow(engine: Engine) {
  engines.splice(engines.indexOf(engine), 1)
  await engine.close()
}

export function sh(cwd: string, ...args: string[]) {
  const run = Bun.spawnSync(["git", "-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd })
  if (run.exitCode !== 0) throw new Error(`git ${args.join(" ")}: ${run.stderr.toString()}`)
  return run.stdout.toString().trim()
}

/** A temporary git repository with `files` committed. */
export function repository(files: Record<string, string>) {
  const directory = tempProject("tandem-iso-")
  sh(directory, "init", "-q", "-b", "main")
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(directory, name)), { recursive: true })
    writeFileSync(path.join(directory, name), content)
  }
  sh(directory, "add", "-A")
  sh(directory, "commit", "-q", "-m", "start")
  return directory
}

/** The worktrees git knows besides the main tree, spares (kept ready while an engine runs) apart. */
function worktreeList(directory: string) {
  return sh(directory, "worktree", "list", "--porcelain")
    .split("\n")
    .filter((line) => line.startsWith("worktree "))
    .slice(1)
}

/** What git knows of task worktrees and task branches besides the main tree. */
export function leftovers(directory: string) {
  const worktrees = worktreeList(directory).filter((line) => !line.includes("/.spare/"))
  return { worktrees: worktrees.length, branches: sh(directory, "branch", "--list", "tandem/*") }
}

/** The spare worktrees git knows of: none once every engine is closed. */
export function spareWorktrees(directory: string) {
  return worktreeList(directory).filter((line) => line.includes("/.spare/")).length
}

export const isolated = (prompt: string) => ({
  name: "task",
  input: { description: prompt, prompt, subagent_type: "general", background: true, isolation: "worktree" },
})

/** A child that runs `calls` one after another, then answers `done` (after `before`, when given). */
export function steps(calls: Turn["toolCalls"][], before?: () => Promise<void>): Handler {
  return async (request: ScriptRequest) => {
    const done = request.messages.filter((m) => m.role === "tool").length
    if (done < calls.length) return { toolCalls: calls[done] }
    await before?.()
    return { text: `done: ${lastToolResults(request)[0]?.output ?? ""}` }
  }
}

export const write = (filePath: string, content: string) => [{ name: "write", input: { filePath, content } }]
export const read = (filePath: string) => [{ name: "read", input: { filePath } }]
export const edit = (filePath: string, oldString: string, newString: string) => [
  { name: "edit", input: { filePath, oldString, newString } },
]

export function start(directory: string, handlers: Record<string, Handler>, dbFile?: string, config?: Config) {
  const harness = testEngine({ responder: byPrompt(handlers), directory, dbFile, config, interactive: false })
  engines.push(harness.engine)
  return harness.engine
}

export async function run(engine: Engine, directory: string, text: string) {
  const parent = engine.store.createSession({ directory })
  await engine.runner.prompt(parent.id, say(text))
  await engine.background.settled(parent.id)
  return parent.id
}
