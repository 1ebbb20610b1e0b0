/** What a git command printed and how it exited. */
export type GitResult = { code: number; stdout: string; stderr: string }

/** Identity of the commits Tandem writes on a task's branch; hooks are off for its own commands. */
const ENV = {
  GIT_AUTHOR_NAME: "Tandem",
  GIT_AUTHOR_EMAIL: "tandem@localhost",
  GIT_COMMITTER_NAME: "Tandem",
  GIT_COMMITTER_EMAIL: "tandem@localhost",
  GIT_TERMINAL_PROMPT: "0",
}

/** The process's environment less its GIT_* variables, which would point git at another repository. */
function userEnv() {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("GIT_")))
}

/**
 * Runs git in `cwd` without a shell. Never throws for a failing command: the exit code says how
 * it went. `stdin` is written to the command; `env` adds to the process's environment.
 */
export async function git(
  cwd: string,
  args: string[],
  options: { stdin?: string; env?: Record<string, string> } = {},
): Promise<GitResult> {
  const child = Bun.spawn(["git", "-c", "core.hooksPath=/dev/null", "-c", "core.quotePath=false", ...args], {
    cwd,
    env: { ...userEnv(), ...ENV, ...options.env },
    stdin: options.stdin === undefined ? "ignore" : new TextEncoder().encode(options.stdin),
    stdout: "pipe",
    stderr: "pipe",
  })
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ])
  return { code, stdout, stderr }
}

/** Like `git`, but a failure is a named error value instead of a result to inspect. */
export async function gitOk(cwd: string, args: string[], options?: { stdin?: string; env?: Record<string, string> }) {
  const result = await git(cwd, args, options)
  if (result.code !== 0) throw new GitError(args, result)
  return result.stdout.trim()
}

/** A git command that should not have failed did: the message carries git's own words. */
export class GitError extends Error {
  override name = "GitError"
  constructor(args: string[], result: GitResult) {
    super(`git ${args[0]} failed (${result.code}): ${result.stderr.trim() || result.stdout.trim()}`)
  }
}
