import path from "node:path"

const entry = path.join(import.meta.dir, "..", "src", "index.ts")

export type Env = Record<string, string | undefined>

/** Runs the CLI as a process to its end. */
export async function tandem(args: string[], options: { cwd?: string; env?: Env } = {}) {
  const child = Bun.spawn([process.execPath, entry, ...args], {
    cwd: options.cwd ?? import.meta.dir,
    stdout: "pipe",
    stderr: "pipe",
    env: options.env ?? { ...process.env },
  })
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ])
  return { stdout, stderr, code }
}

/** Collects a stream's text as it comes, and waits for text to appear in it (bounded). */
export function follow(stream: ReadableStream<Uint8Array>) {
  let text = ""
  const waiters = new Set<() => void>()
  void (async () => {
    const decoder = new TextDecoder()
    for await (const chunk of stream) {
      text += decoder.decode(chunk, { stream: true })
      for (const wake of [...waiters]) wake()
    }
  })()
  return {
    get text() {
      return text
    },
    /** Resolves once `check` holds for the text from `from` on; fails after `timeoutMs`. */
    until(check: string | RegExp | ((text: string) => boolean), what = String(check), timeoutMs = 20_000, from = 0) {
      const holds = () => {
        const seen = text.slice(from)
        return typeof check === "string"
          ? seen.includes(check)
          : check instanceof RegExp
            ? check.test(seen)
            : check(seen)
      }
      if (holds()) return Promise.resolve(text)
      return new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(wake)
          reject(new Error(`timed out waiting for ${what}; output so far:\n${text}`))
        }, timeoutMs)
        const wake = () => {
          if (!holds()) return
          clearTimeout(timer)
          waiters.delete(wake)
          resolve(text)
        }
        waiters.add(wake)
      })
    },
  }
}

/** Starts the CLI as a long-running process (serve, tasks --watch) whose output is followed. */
export function spawnTandem(args: string[], options: { cwd?: string; env?: Env } = {}) {
  const child = Bun.spawn([process.execPath, entry, ...args], {
    cwd: options.cwd ?? import.meta.dir,
    stdout: "pipe",
    stderr: "pipe",
    env: options.env ?? { ...process.env },
  })
  return { child, stdout: follow(child.stdout), stderr: follow(child.stderr) }
}
