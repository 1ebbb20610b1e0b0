import { afterAll, expect, test } from "bun:test"
import path from "node:path"
import { startScriptedServer } from "@tandem/testing/scripted-server"
import { scriptedProject } from "@tandem/testing/fixture"
import { gate, oneHeldChild } from "@tandem/testing/script"
import { startServe } from "./serve-process"
import { spawnTandem, tandem } from "./tandem-process"

// `tandem tasks` against real `tandem serve` processes: a protected one, and one that is killed
// and started again on the same port and data while a watcher follows it.

const held = gate()
const model = startScriptedServer({
  responder: oneHeldChild(held, "Watched job"),
})
const processes: { kill(signal?: number | NodeJS.Signals): void }[] = []
afterAll(async () => {
  held.release()
  for (const child of processes) child.kill("SIGKILL")
  await model.stop()
})

function project() {
  const directory = scriptedProject(model.url, { tandem: { title: false } })
  return { directory, env: { ...process.env, XDG_DATA_HOME: path.join(directory, ".data") } }
}

test("tasks against a protected server says which variable to set, or that the password was refused", async () => {
  const { directory, env } = project()
  const server = await startServe(directory, { ...env, TANDEM_SERVER_PASSWORD: "s3cret" })
  processes.push(server.child)
  const [none, wrong, right, opencode] = await Promise.all([
    tandem(["tasks", "--url", server.url], { env }),
    tandem(["tasks", "--url", server.url], { env: { ...env, TANDEM_SERVER_PASSWORD: "guess" } }),
    tandem(["tasks", "--url", server.url], { env: { ...env, TANDEM_SERVER_PASSWORD: "s3cret" } }),
    tandem(["tasks", "--url", server.url], { env: { ...env, OPENCODE_SERVER_PASSWORD: "s3cret" } }),
  ])
  expect(none.code).toBe(1)
  expect(none.stderr).toContain(`the server at ${server.url} needs a password`)
  expect(none.stderr).toContain("set TANDEM_SERVER_PASSWORD (or OPENCODE_SERVER_PASSWORD)")
  expect(wrong.code).toBe(1)
  expect(wrong.stderr).toContain("refused the password from TANDEM_SERVER_PASSWORD")
  expect(right).toMatchObject({ code: 0, stdout: expect.stringContaining("no background tasks") })
  expect(opencode).toMatchObject({ code: 0, stdout: expect.stringContaining("no background tasks") })
  const watching = await tandem(["tasks", "--watch", "--url", server.url], { env })
  expect(watching).toMatchObject({ code: 1, stderr: expect.stringContaining("needs a password") })
  server.child.kill("SIGTERM")
  await server.child.exited
}, 30_000)

test("tasks with nothing listening says it cannot reach the server, without a stack", async () => {
  const closed = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() })
  const url = `http://127.0.0.1:${closed.port}`
  closed.stop(true)
  for (const args of [["tasks"], ["tasks", "--watch"]]) {
    const result = await tandem([...args, "--url", url])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(`cannot reach ${url} (connection refused)`)
    expect(result.stderr).not.toContain("    at ")
  }
}, 30_000)

test("tasks --watch survives a server restart: says so, reconnects, lists again, then follows new tasks", async () => {
  const { directory, env } = project()
  const first = await startServe(directory, env)
  processes.push(first.child)
  const port = Number(new URL(first.url).port)
  const watcher = spawnTandem(["tasks", "--watch", "--url", first.url], { env })
  processes.push(watcher.child)
  await watcher.stdout.until("no background tasks")

  first.child.kill("SIGKILL")
  await first.child.exited
  await watcher.stderr.until("server went away; reconnecting…")

  const second = await startServe(directory, env, port)
  processes.push(second.child)
  expect(second.url).toBe(first.url)
  await watcher.stderr.until(`reconnected to ${second.url}`)
  // Listed again on reconnection.
  await watcher.stdout.until((text) => text.split("no background tasks").length === 3, "a second listing")

  const post = (route: string, body: unknown) =>
    fetch(second.url + route, {
      method: "POST",
      body: JSON.stringify(body),
      headers: { "content-type": "application/json" },
    })
  const session = (await (await post("/session", {})).json()) as { id: string }
  const prompted = await post(`/session/${session.id}/prompt_async`, { parts: [{ type: "text", text: "go" }] })
  expect(prompted.ok).toBe(true)
  await watcher.stdout.until(/running +@general Watched job/, "the task running")
  held.release()
  await watcher.stdout.until(/completed @general Watched job/, "the task completed")

  watcher.child.kill("SIGINT")
  expect(await watcher.child.exited).toBe(0)
  expect(watcher.stderr.text).not.toContain("    at ")
  expect(watcher.stderr.text).not.toContain("error")
  second.child.kill("SIGTERM")
  await second.child.exited
}, 60_000)
