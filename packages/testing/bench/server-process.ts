// A benchmarked server process (Tandem or stock opencode) in an isolated home: launch it, read
// its resource use from /proc, follow its event stream, post to it.
import { mkdirSync, mkdtempSync, writeFileSync, readFileSync, rmSync } from "node:fs"
import os from "node:os"
import path from "node:path"
import { readEvents } from "@tandem/server/read-events"

const root = path.join(import.meta.dir, "..", "..", "..")

export type BenchEngine = "tandem" | "opencode"
export type BenchEvent = { type: string; properties: Record<string, any> }

/** The provider package and model entry a benchmark names as `bench/scripted` (default: OpenAI-compatible chat). */
export type BenchProvider = { npm: string; model: Record<string, unknown> }

/** A running server in an isolated home: its URL, pid, and a stop function. */
export async function launch(
  engine: BenchEngine,
  modelURL: string,
  provider: BenchProvider = { npm: "@ai-sdk/openai-compatible", model: {} },
) {
  const home = mkdtempSync(path.join(os.tmpdir(), `bench-${engine}-`))
  const project = path.join(home, "project")
  mkdirSync(project)
  const config = {
    $schema: "https://opencode.ai/config.json",
    model: "bench/scripted",
    small_model: "bench/scripted",
    provider: {
      bench: {
        npm: provider.npm,
        name: "bench",
        options: { baseURL: modelURL, apiKey: "x" },
        models: { scripted: { name: "scripted", ...provider.model } },
      },
    },
    tandem: {
      title: false,
      background: {
        max_running: 0,
        max_running_per_session: 0,
        max_running_per_model: 0,
        coalesce_ms: Number(process.env.COALESCE_MS ?? 250),
        ...(process.env.COALESCE_MAX_MS ? { coalesce_max_ms: Number(process.env.COALESCE_MAX_MS) } : {}),
      },
    },
  }
  writeFileSync(path.join(project, "opencode.json"), JSON.stringify(config, null, 2))
  const env = {
    ...process.env,
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, "config"),
    XDG_DATA_HOME: path.join(home, "data"),
    XDG_STATE_HOME: path.join(home, "state"),
    XDG_CACHE_HOME: path.join(home, "cache"),
    OPENCODE_EXPERIMENTAL_BACKGROUND_SUBAGENTS: "true",
    OPENCODE_DISABLE_MODELS_FETCH: "1",
    OPENCODE_DISABLE_AUTOUPDATE: "1",
  }
  const command =
    engine === "opencode"
      ? [process.env.OPENCODE_BIN!, "serve", "--port", "0", "--hostname", "127.0.0.1", "--pure"]
      : ["sh", path.join(root, "scripts", "tandem"), "serve", "--port", "0"]
  const child = Bun.spawn(command, { cwd: project, env, stdout: "pipe", stderr: "pipe" })
  const reader = child.stdout.getReader()
  let banner = ""
  while (!/https?:\/\/[\d.]+:\d+/.test(banner)) {
    const { value, done } = await reader.read()
    if (done) throw new Error(`${engine} exited: ${banner}${await new Response(child.stderr).text()}`)
    banner += new TextDecoder().decode(value)
  }
  reader.releaseLock()
  void child.stdout.pipeTo(new WritableStream())
  void child.stderr.pipeTo(new WritableStream())
  const url = /(https?:\/\/[\d.]+:\d+)/.exec(banner)![1]!
  return {
    engine,
    url,
    pid: child.pid,
    async stop() {
      child.kill("SIGTERM")
      // A server busy with hundreds of sessions may take its time over SIGTERM; the benchmark does not wait for it.
      const killer = setTimeout(() => child.kill("SIGKILL"), 5000)
      await child.exited
      clearTimeout(killer)
      rmSync(home, { recursive: true, force: true })
    },
  }
}
export type Server = Awaited<ReturnType<typeof launch>>

/** Every process in the server's tree (opencode may run helpers). */
function tree(pid: number): number[] {
  const all: number[] = [pid]
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number)
    for (const child of children) all.push(...tree(child))
  } catch {}
  return all
}

/** Resident memory (MB) and CPU seconds of the server's process tree. */
export function usage(pid: number) {
  let rss = 0
  let cpu = 0
  const tick = 100
  for (const p of tree(pid)) {
    try {
      rss += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, "utf8"))?.[1] ?? 0) / 1024
      const fields = readFileSync(`/proc/${p}/stat`, "utf8").split(") ")[1]!.split(" ")
      cpu += (Number(fields[11]) + Number(fields[12])) / tick
    } catch {}
  }
  return { rss, cpu }
}

/** Follows /event and calls `on` for each event until `stop()`. */
export async function subscribe(server: Server, on: (event: BenchEvent, at: number) => void) {
  const abort = new AbortController()
  const res = await fetch(`${server.url}/event`, { signal: abort.signal })
  const done = readEvents(res.body!, (event) => on(event as BenchEvent, performance.now())).catch(() => {})
  return () => {
    abort.abort()
    return done
  }
}

export const post = (server: Server, route: string, body: unknown) =>
  fetch(server.url + route, {
    method: "POST",
    body: JSON.stringify(body),
    headers: { "content-type": "application/json" },
  })
