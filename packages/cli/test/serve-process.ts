import path from "node:path"

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
  let banner = ""
  while (!banner.includes("\n")) banner += new TextDecoder().decode((await reader.read()).value)
  reader.releaseLock()
  /** `banner` is what was read so far: the first line, and whatever came in the same chunk. */
  return { child, url: /listening on (\S+)/.exec(banner)![1]!, banner }
}
