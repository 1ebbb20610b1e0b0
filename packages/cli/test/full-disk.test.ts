import { afterAll, expect, test } from "bun:test"
import { Database } from "bun:sqlite"
import { mkdtempSync, writeFileSync } from "node:fs"
import os from "node:os"
import path from "node:path"
import { tempProject } from "@tandem/testing/fixture"
import { readUntil } from "@tandem/testing/read-until"

// A full disk against a real `tandem serve`: the process runs under a file-size limit
// (RLIMIT_FSIZE, `ulimit -f`), so a write past it fails with EFBIG the way a full filesystem
// fails with ENOSPC (Bun ignores SIGXFSZ, so the write fails instead of the process dying).

/** Response bodies are asserted on, not typed. */
type Json = any

/** The largest file the server may write, in KiB: the empty store fits, a 6 MB message does not. */
const LIMIT_KIB = 4096
const BIG = 6 * 1024 * 1024

const processes: ReturnType<typeof Bun.spawn>[] = []
afterAll(() => {
  for (const child of processes) child.kill("SIGKILL")
})

/** `scripts/tandem serve` under `ulimit -f`; resolves once it listens. */
async function serveLimited(directory: string, data: string) {
  const script = path.join(import.meta.dir, "..", "..", "..", "scripts", "tandem")
  const child = Bun.spawn(["bash", "-c", `ulimit -f ${LIMIT_KIB} && exec sh "$0" serve --port 0`, script], {
    cwd: directory,
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, XDG_DATA_HOME: data, BUN_RUNTIME_TRANSPILER_CACHE_PATH: "0" },
  })
  processes.push(child)
  const reader = child.stdout.getReader()
  const banner = await readUntil(reader, (text) => text.includes("\n"))
  reader.releaseLock()
  const url = /listening on (\S+)/.exec(banner)![1]!
  const call = async (method: string, route: string, body?: unknown) => {
    const res = await fetch(url + route, {
      method,
      body: body ? JSON.stringify(body) : undefined,
      headers: { "content-type": "application/json" },
    })
    return { status: res.status, body: (res.status === 204 ? {} : await res.json()) as Json }
  }
  return { child, url, call }
}

test("a full disk: the write that did not fit is refused naming the cause, never announced, and serving goes on", async () => {
  const directory = tempProject()
  // The built-in scripted model: messages here are written with noReply and never sent to it.
  writeFileSync(path.join(directory, "opencode.json"), JSON.stringify({ model: "scripted/scripted" }))
  const data = mkdtempSync(path.join(os.tmpdir(), "tandem-full-"))
  const server = await serveLimited(directory, data)
  const events = new AbortController()
  const stream = await fetch(server.url + "/event", { signal: events.signal })
  let seen = ""
  void (async () => {
    for await (const chunk of stream.body as ReadableStream<Uint8Array>) seen += new TextDecoder().decode(chunk)
  })().catch(() => {})

  const session = await server.call("POST", "/session", { title: "before" })
  expect(session.status).toBe(200)
  const big = await server.call("POST", `/session/${session.body.id}/message`, {
    noReply: true,
    parts: [{ type: "text", text: "TOO BIG " + "x".repeat(BIG) }],
  })
  expect(big.status).toBe(503)
  expect(big.body.name).toBe("StorageError")
  expect(big.body.data.message).toBe("the change was not stored: disk I/O error (SQLITE_IOERR_WRITE)")

  // Space for small writes is still there: the process keeps serving and storing.
  const small = await server.call("POST", `/session/${session.body.id}/message`, {
    noReply: true,
    parts: [{ type: "text", text: "small enough" }],
  })
  expect(small.status).toBe(200)
  const after = await server.call("POST", "/session", { title: "after" })
  expect(after.status).toBe(200)
  const messages = await server.call("GET", `/session/${session.body.id}/message`)
  const texts = (messages.body as Json[]).flatMap((m) => m.parts.map((p: Json) => p.text))
  expect(texts).toEqual(["small enough"])
  while (!seen.includes(after.body.id)) await Bun.sleep(10)
  events.abort()
  expect(seen).not.toContain("TOO BIG")
  expect(seen).toContain("small enough")

  server.child.kill("SIGKILL")
  await server.child.exited
  const db = new Database(path.join(data, "tandem", "tandem.db"))
  expect(db.query("pragma integrity_check").get()).toEqual({ integrity_check: "ok" })
  const titles = db.query("select data ->> '$.title' as title from session order by title").all()
  expect(titles).toEqual([{ title: "after" }, { title: "before" }])
  db.close()
}, 30_000)
