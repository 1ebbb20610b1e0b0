import path from "node:path"
import { readUntil } from "@tandem/testing/read-until"

/**
 * `scripts/tandem serve` as a real process in `directory`, on `port` (default: any free one);
 * resolves once it listens.
 */
export async function startServe(directory: string, env: Record<string, string | undefined> = process.env, port = 0) {
  const script = path.join(import.meta.dir, "..", "..", "..", "scripts", "tandem")
  const child = Bun.spawn(["sh", script, "serve", "--port", String(port)], {
    cwd: directory,
    stdout: "pipe",
    stderr: "inherit",
    env,
  })
  const reader = child.stdout.getReader()
  const banner = await readUntil(reader, (text) => text.includes("\n"))
  reader.releaseLock()
  /** `banner` is what was read so far: the first line, and whatever came in the same chunk. */
  return { child, url: /listening on (\S+)/.exec(banner)![1]!, banner }
}

/** A JSON body read in a test: its shape is asserted, not typed. */
export type Json = any

/** A caller of a server's JSON routes: a 204 reads as `{}`. */
export function jsonRoutes(url: string) {
  return async (method: string, route: string, body?: unknown): Promise<Json> => {
    const res = await fetch(url + route, {
      method,
      body: body ? JSON.stringify(body) : undefined,
      headers: { "content-type": "application/json" },
    })
    return res.status === 204 ? {} : ((await res.json()) as Json)
  }
}

/** Polls `probe` every 20 ms until `check` holds; fails with `what` after `seconds`. */
export async function until<T>(
  probe: () => T | Promise<T>,
  check: (value: T) => boolean,
  what: string,
  seconds = 30,
): Promise<T> {
  for (const end = Date.now() + seconds * 1000; Date.now() < end;) {
    const value = await probe()
    if (check(value)) return value
    await Bun.sleep(20)
  }
  throw new Error(`timed out waiting for ${what}`)
}
