import { afterAll, expect, test } from "bun:test"
import { Database } from "bun:sqlite"
import path from "node:path"
import { startScriptedServer } from "@tandem/testing/scripted-server"
import { scriptedProject } from "@tandem/testing/fixture"
import { gate, lastToolResults, lastUser, sleep, type ScriptRequest, type Turn } from "@tandem/testing/script"
import { jsonRoutes, startServe, type Json } from "./serve-process"

// A `tandem serve` and a `tandem run` on one data file at the same time, both fanning out
// background work. Each process holds SQLite's write lock for one loop turn at a time (group
// commit), so the other waits for it; neither may fail, lose a result or deliver one twice.

const N = 30

// The run's children wait for the server's first child, so the two fan-outs overlap however
// fast or slow this machine is at the moment.
const serverChildStarted = gate()

async function respond(request: ScriptRequest): Promise<Turn> {
  const said = lastUser(request)
  const child = /^CHILD (\w+) (\d+)$/.exec(said)
  if (child?.[1] === "srv") serverChildStarted.release()
  if (child?.[1] === "cli") await serverChildStarted.promise
  if (child) {
    await sleep((Number(child[2]) % 7) * 20)
    return { text: `result of ${child[1]} ${child[2]}`, chunks: 5, chunkDelayMs: 60 }
  }
  const fan = /^FAN (\w+)$/.exec(said)
  const results = lastToolResults(request)
  if (fan && !results.length)
    return {
      toolCalls: Array.from({ length: N }, (_, i) => ({
        name: "task",
        input: {
          description: `${fan[1]} ${i}`,
          prompt: `CHILD ${fan[1]} ${i}`,
          subagent_type: "general",
          background: true,
        },
      })),
    }
  return { text: `parent saw ${results.length}` }
}

const model = startScriptedServer({ responder: respond })
const processes: ReturnType<typeof Bun.spawn>[] = []
afterAll(async () => {
  serverChildStarted.release()
  for (const child of processes) child.kill("SIGKILL")
  await model.stop()
})

test("a server and a run writing one data file at once: every task of both delivered once, the file intact", async () => {
  const directory = scriptedProject(model.url, {
    tandem: { title: false, background: { max_running: 0, max_running_per_session: 0, max_running_per_model: 0 } },
  })
  const env = { ...process.env, XDG_DATA_HOME: path.join(directory, ".data") }
  const server = await startServe(directory, env)
  processes.push(server.child)
  const call = jsonRoutes(server.url)
  const parent = await call("POST", "/session", {})
  const script = path.join(import.meta.dir, "..", "..", "..", "scripts", "tandem")
  const run = Bun.spawn(["sh", script, "run", "FAN cli"], { cwd: directory, env, stdout: "pipe", stderr: "pipe" })
  processes.push(run)
  // The server's fan-out starts while the run's children are streaming.
  while (!model.calls.some((c) => lastUser(c).startsWith("CHILD cli")))
    await new Promise((resolve) => setTimeout(resolve, 5))
  await call("POST", `/session/${parent.id}/prompt_async`, { parts: [{ type: "text", text: "FAN srv" }] })

  const [stdout, stderr, code] = await Promise.all([
    new Response(run.stdout).text(),
    new Response(run.stderr).text(),
    run.exited,
  ])
  expect({ code, stderr }).toEqual({ code: 0, stderr: expect.any(String) })
  expect(stdout).toContain("parent saw")

  for (let i = 0; i < 750; i++) {
    const tasks = (await call("GET", `/session/${parent.id}/task`)) as Json[]
    if (tasks.length === N && tasks.every((t) => t.delivery === "delivered")) break
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  server.child.kill("SIGTERM")
  expect(await server.child.exited).toBe(0)

  const db = new Database(path.join(directory, ".data", "tandem", "tandem.db"), { readonly: true })
  expect(db.query("pragma integrity_check").get()).toEqual({ integrity_check: "ok" })
  const rows = db.query("select state, delivery, data from task").all() as {
    state: string
    delivery: string
    data: string
  }[]
  expect(rows).toHaveLength(2 * N)
  expect(rows.every((r) => r.state === "completed" && r.delivery === "delivered")).toBe(true)
  // The two fan-outs ran at the same time: the server's first child started before the run's last child ended.
  const tasks = rows.map((r) => JSON.parse(r.data) as { description: string; time: { started: number; ended: number } })
  const serverFirst = Math.min(...tasks.filter((t) => t.description.startsWith("srv")).map((t) => t.time.started))
  const runLast = Math.max(...tasks.filter((t) => t.description.startsWith("cli")).map((t) => t.time.ended))
  expect(serverFirst).toBeLessThan(runLast)
  // Each task's result is in its parent's transcript exactly once.
  const parts = db.query("select data from part where data ->> '$.metadata.synthetic' = 1").all() as { data: string }[]
  const delivered = parts.map((p) => JSON.parse(p.data).state.input.task_id as string)
  expect(new Set(delivered).size).toBe(2 * N)
  expect(delivered).toHaveLength(2 * N)
  db.close()
}, 90_000)
