import { afterAll, expect, test } from "bun:test"
import path from "node:path"
import { scriptedProviderConfig, testEngine } from "@tandem/testing/fixture"
import { gate, oneHeldChild } from "@tandem/testing/script"
import { serve } from "@tandem/server/serve"
import { TaskUpdated } from "@tandem/core/task/events"
import { tandem as run } from "./tandem-process"
import { readUntil } from "@tandem/testing/read-until"

const entry = path.join(import.meta.dir, "..", "src", "index.ts")
const tandem = (args: string[], cwd?: string) => run(args, { cwd })

test("the demo runs: tools, a blocking sub-agent, three background results delivered by themselves", async () => {
  const { stdout, code, stderr } = await tandem(["demo"])
  expect(stderr).not.toContain("error")
  expect(code).toBe(0)
  for (const text of [
    "✓ read greeting.txt",
    "✓ edit greeting.txt",
    "✓ bash cat greeting.txt",
    "✓ task Count words",
    "Just one: greeting.txt",
  ])
    expect(stdout).toContain(text)
  for (const job of ["Check spelling", "Suggest a title", "Summarise the file"]) {
    expect(stdout).toContain(`- ${job}:`)
    // A background call is shown by its task's lines, from running to completed, not also as a tool line.
    expect(stdout).toMatch(new RegExp(`running +@general ${job}[^]*completed @general ${job}`))
    expect(stdout).not.toContain(`task ${job} (background)`)
  }
}, 60_000)

test("run: bad input gets a clear message and a non-zero exit", async () => {
  expect(await tandem(["run", "--bogus", "x"])).toMatchObject({ code: 2, stderr: expect.stringContaining("bogus") })
  expect(await tandem(["run"])).toMatchObject({ code: 2, stderr: expect.stringContaining("message is required") })
  const unconfigured = await tandem(["run", "hello"])
  expect(unconfigured.code).toBe(1)
  expect(unconfigured.stderr).toContain("no model configured")
  expect(await tandem(["frobnicate"])).toMatchObject({ code: 2 })
  expect(await tandem(["run", "--dir", "/no/such/dir", "hi"])).toMatchObject({
    code: 2,
    stderr: expect.stringContaining("does not exist"),
  })
  expect(await tandem(["serve", "--port", "99999"])).toMatchObject({
    code: 2,
    stderr: expect.stringContaining("--port"),
  })
  // Six processes in a row: a loaded machine takes longer than the runner's default allowance.
}, 60_000)

test("run shows provider retries and exits 1 when the provider stays unreachable", async () => {
  const dir = await scratch()
  const closed = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() })
  const url = `http://127.0.0.1:${closed.port}/v1`
  closed.stop(true)
  await Bun.write(
    path.join(dir, "opencode.json"),
    JSON.stringify({ ...scriptedProviderConfig(url), tandem: { retry: { attempts: 3, initial_delay_ms: 1 } } }),
  )
  const result = await tandem(["run", "hello"], dir)
  expect(result.code).toBe(1)
  expect(result.stdout).toContain("retry 1 in")
  expect(result.stdout).toContain("retry 2 in")
  expect(result.stderr).toContain("error:")
})

test("run on the scripted model exits 0 and prints the answer", async () => {
  const result = await tandem(["run", "--model", "scripted/scripted", "please tidy greeting.txt"], await scratch())
  expect(result.code).toBe(0)
  expect(result.stdout).toContain("Background results arrived")
  // The summary counts the background children's steps and tokens with the parent's.
  const steps = Number(
    /session ses_\w+ · \S+ in \/ \S+ out tokens · \$\d+\.\d{4} · (\d+) steps/.exec(result.stderr)?.[1],
  )
  expect(steps).toBeGreaterThan(4)
  // Not a terminal: plain lines a CI log can show, no colours and no redrawing.
  expect(result.stdout).not.toContain("\x1b[")
}, 60_000)

async function scratch() {
  const dir = (await import("@tandem/testing/fixture")).tempProject()
  await Bun.write(path.join(dir, "greeting.txt"), "Hello world\nThis file is part of the Tandem demo.\n")
  return dir
}

const held = gate()
const harness = testEngine({
  responder: oneHeldChild(held, "Watched job"),
})
const server = serve(harness.engine, { port: 0 })
afterAll(async () => {
  held.release()
  await server.stop()
  await harness.engine.close()
})

test("serve: a port in use is a clear error, not a crash", async () => {
  const busy = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("taken") })
  const result = await tandem(["serve", "--port", String(busy.port)], await scratch())
  busy.stop(true)
  expect(result.code).toBe(1)
  expect(result.stderr).toContain("already in use")
})

test("tasks: lists and cancels the background tasks of a running server", async () => {
  const session = harness.engine.store.createSession({ directory: harness.directory })
  const running = harness.engine.bus.once(TaskUpdated, (e) => e.task.state === "running")
  await harness.engine.runner.prompt(session.id, { parts: [{ type: "text", text: "go" }] })
  const { task } = await running
  const listed = await tandem(["tasks", "--url", server.url])
  expect(listed.code).toBe(0)
  expect(listed.stdout).toContain(task.id)
  expect(listed.stdout).toContain("Watched job")
  const cancelled = await tandem(["tasks", "--url", server.url, "--cancel", task.id])
  expect(cancelled.code).toBe(0)
  expect(cancelled.stdout).toContain("cancelled")
  const missing = await tandem(["tasks", "--url", server.url, "--cancel", "tsk_nope"])
  expect(missing).toMatchObject({ code: 1, stderr: expect.stringContaining("not found") })
})

test("tasks --message steers a running task; --session ends with what the whole tree spent", async () => {
  const session = harness.engine.store.createSession({ directory: harness.directory })
  const running = harness.engine.bus.once(
    TaskUpdated,
    (e) => e.task.parentSessionID === session.id && e.task.state === "running",
  )
  await harness.engine.runner.prompt(session.id, { parts: [{ type: "text", text: "go" }] })
  const { task } = await running
  const sent = await tandem(["tasks", "--url", server.url, "--message", task.id, "also", "check the docs"])
  expect(sent.code).toBe(0)
  const id = /message (msg_\w+) queued/.exec(sent.stdout)?.[1]
  expect(harness.engine.background.steering.isQueued(id!)).toBe(true)
  const listed = await tandem(["tasks", "--url", server.url, "--session", session.id])
  expect(listed.stdout).toContain(task.id)
  expect(listed.stdout).toMatch(/and everything below it · .* out tokens · \$0\.0000 · 2 steps · 1 running/)
  harness.engine.background.cancel(task.id)
  const late = await tandem(["tasks", "--url", server.url, "--message", task.id, "too late"])
  expect(late).toMatchObject({ code: 1, stderr: expect.stringContaining("has ended (cancelled)") })
  expect(await tandem(["tasks", "--url", server.url, "--message", task.id])).toMatchObject({ code: 2 })
})

test("tasks --watch follows task events of a running server as they happen", async () => {
  const listeners = harness.engine.bus.size
  const child = Bun.spawn([process.execPath, entry, "tasks", "--watch", "--url", server.url], {
    stdout: "pipe",
    stderr: "pipe",
  })
  const reader = child.stdout.getReader()
  let out = await readUntil(reader, (text) => text.includes("tasks") || text.includes("ses_"))
  // The watcher lists first, then subscribes: wait for its event stream before dispatching.
  for (let i = 0; i < 500 && harness.engine.bus.size === listeners; i++) await Bun.sleep(10)
  const session = harness.engine.store.createSession({ directory: harness.directory })
  await harness.engine.runner.prompt(session.id, { parts: [{ type: "text", text: "go" }] })
  const task = harness.engine.background.list(session.id)[0]!
  out = await readUntil(reader, (text) => text.includes(task.id) && text.includes("running"), out)
  expect(out).toContain("Watched job")
  child.kill()
  await child.exited
})
