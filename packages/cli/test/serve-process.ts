import path from "node:path"

/** `scripts/tandem serve --port 0` as a real process in `directory`; resolves once it listens. */
export async function startServe(directory: string, env: Record<string, string | undefined> = process.env) {
  const script = path.join(import.meta.dir, "..", "..", "..", "scripts", "tandem")
  const child = Bun.spawn(["sh", script, "serve", "--port", "0"], {
    cwd: directory,
    stdout: "pipe",
    stderr: "inherit",
    env,
  })
  const reader = child.stdout.getReader()
  let banner = ""
  while (!banner.includes("\n")) banner += new TextDecoder().decode((await reader.read()).value)
  reader.releaseLock()
  return { child, url: /listening on (\S+)/.exec(banner)![1]! }
}
