import { afterAll, expect, test } from "bun:test"
import { Database } from "bun:sqlite"
import { mkdtempSync } from "node:fs"
import os from "node:os"
import path from "node:path"
import { startScriptedServer } from "@tandem/testing/scripted-server"
import { scriptedProject } from "@tandem/testing/fixture"
import { deliveredTasks, gate, lastToolResults, lastUser, type ScriptRequest, type Turn } from "@tandem/testing/script"
import { jsonRoutes, startServe, until, type Json } from "./serve-process"
import { tandem } from "./tandem-process"

// Owners against real processes: work whose process died is taken over by a live process of
// its project, whatever other projects' processes share the data file.

const holds = new Map<string, ReturnType<typeof gate>>()
const held = (key: string) => {
  if (!holds.has(key)) holds.set(key, gate())
  return holds.get(key)!
}

async function respond(request: ScriptRequest): Promise<Turn> {
  const said = lastUser(request)
  const child = /^CHILD (\w+) (\d+)$/.exec(said)
  if (child) {
    await held(child[1]!).promise
    return { text: `result of ${child[1]} ${child[2]}` }
  }
  const fan = /^FAN (\w+) (\d+)$/.exec(said)
  const results = lastToolResults(request)
  if (fan && !results.length)
    return {
      toolCalls: Array.from({ length: Number(fan[2]) }, (_, i) => ({
        name: "task",
        input: {
          description: `${fan[1]} ${i}`,
          prompt: `CHILD ${fan[1]} ${i}`,
          subagent_type: "general",
          background: true,
        },
      })),
    }
  if (results.every((r) => r.output.includes("Background task started"))) return { text: "dispatched" }
  return { text: `parent got ${deliveredTasks(request)} result(s)` }
}

const model = startScriptedServer({ responder: respond })
const processes: ReturnType<typeof Bun.spawn>[] = []
afterAll(async () => {
  for (const child of processes) child.kill("SIGKILL")
  for (const g of holds.values()) g.release()
  await model.stop()
})

const project = () => scriptedProject(model.url, { tandem: { title: false, background: { max_attempts: 3 } } })

async function serve(directory: string, data: string) {
  const { child, url, banner } = await startServe(directory, { ...process.env, XDG_DATA_HOME: data })
  processes.push(child)
  let out = banner
  void (async () => {
    for await (const chunk of child.stdout as ReadableStream<Uint8Array>) out += new TextDecoder().decode(chunk)
  })()
  const call = jsonRoutes(url)
  return { child, url, call, output: () => out }
}

type Server = Awaited<ReturnType<typeof serve>>

/** Every task of the parent delivered exactly once, and the parent idle again. */
async function deliveredOnce(server: Server, parentID: string, expected: number) {
  const tasks = await until(
    () => server.call("GET", `/session/${parentID}/task`),
    (list) => list.length === expected && list.every((t: Json) => t.delivery === "delivered"),
    "every task to be delivered",
  )
  await until(
    () => server.call("GET", "/session/status"),
    (status) => !status[parentID],
    "the parent to go idle",
  )
  const messages = (await server.call("GET", `/session/${parentID}/message`)) as Json[]
  const synthetic = messages.flatMap((m) => m.parts).filter((p: Json) => p.type === "tool" && p.metadata?.synthetic)
  for (const task of tasks) {
    expect(task.state).toBe("completed")
    expect(synthetic.filter((p: Json) => p.state.input.task_id === task.id)).toHaveLength(1)
  }
  return tasks as Json[]
}

function integrity(data: string) {
  const db = new Database(path.join(data, "tandem", "tandem.db"), { readonly: true })
  const result = db.query("pragma integrity_check").get()
  db.close()
  return result
}

test("two projects' servers on one data file: A is killed and restarted while B stays up; A's tasks are delivered once", async () => {
  const data = mkdtempSync(path.join(os.tmpdir(), "tandem-data-"))
  const [dirA, dirB] = [project(), project()]
  let a = await serve(dirA, data)
  const b = await serve(dirB, data)
  const parentA = await a.call("POST", "/session", {})
  const parentB = await b.call("POST", "/session", {})
  await a.call("POST", `/session/${parentA.id}/message`, { parts: [{ type: "text", text: "FAN killed 6" }] })
  await b.call("POST", `/session/${parentB.id}/message`, { parts: [{ type: "text", text: "FAN alive 3" }] })
  await until(
    () => a.call("GET", `/session/${parentA.id}/task`),
    (list) => list.length === 6 && list.every((t: Json) => t.state === "running"),
    "A's children to run",
  )

  a.child.kill("SIGKILL")
  await a.child.exited
  held("killed").release()
  a = await serve(dirA, data)
  const tasks = await deliveredOnce(a, parentA.id, 6)
  expect(tasks.every((t) => t.attempts === 2)).toBe(true)
  expect(a.output()).toContain("6 task(s) resumed")

  // B never took A's work, and its own is untouched by A's restart.
  expect((await b.call("GET", `/session/${parentB.id}/task`)).every((t: Json) => t.state === "running")).toBe(true)
  held("alive").release()
  const own = await deliveredOnce(b, parentB.id, 3)
  expect(own.every((t) => t.attempts === 1)).toBe(true)

  for (const server of [a, b]) {
    server.child.kill("SIGTERM")
    expect(await server.child.exited).toBe(0)
  }
  expect(integrity(data)).toEqual({ integrity_check: "ok" })
}, 90_000)

test("a --no-wait run beside a live server of its project: the server takes its tasks over and delivers them", async () => {
  const data = mkdtempSync(path.join(os.tmpdir(), "tandem-data-"))
  const directory = project()
  const server = await serve(directory, data)
  const run = await tandem(["run", "--no-wait", "FAN left 4"], {
    cwd: directory,
    env: { ...process.env, XDG_DATA_HOME: data },
  })
  expect(run.code).toBe(0)
  expect(run.stderr).toContain(`4 unfinished background task(s) taken over by the tandem server at ${server.url}`)
  const sessionID = /session (ses_\w+)/.exec(run.stderr)![1]!

  held("left").release()
  const tasks = await deliveredOnce(server, sessionID, 4)
  expect(tasks.every((t) => t.attempts === 2)).toBe(true)
  expect(server.output()).toContain("took over the work of a stopped tandem process")
  const texts = ((await server.call("GET", `/session/${sessionID}/message`)) as Json[])
    .flatMap((m) => m.parts)
    .filter((p: Json) => p.type === "text")
    .map((p: Json) => p.text)
  expect(texts.at(-1)).toBe("parent got 4 result(s)")

  server.child.kill("SIGTERM")
  expect(await server.child.exited).toBe(0)
  expect(integrity(data)).toEqual({ integrity_check: "ok" })
}, 60_000)

test("deleting a parent during a fan-out on a server: nothing is left below it, and a restart recovers nothing", async () => {
  const data = mkdtempSync(path.join(os.tmpdir(), "tandem-data-"))
  const directory = project()
  let server = await serve(directory, data)
  const parent = await server.call("POST", "/session", {})
  await server.call("POST", `/session/${parent.id}/message`, { parts: [{ type: "text", text: "FAN gone 5" }] })
  await until(
    () => server.call("GET", `/session/${parent.id}/task`),
    (list) => list.length === 5 && list.every((t: Json) => t.state === "running"),
    "the children to run",
  )
  expect(await server.call("DELETE", `/session/${parent.id}`)).toBe(true)
  held("gone").release()
  await until(
    () => server.call("GET", "/session/status"),
    (status) => Object.keys(status).length === 0,
    "every loop to stop",
  )
  server.child.kill("SIGTERM")
  expect(await server.child.exited).toBe(0)

  const db = new Database(path.join(data, "tandem", "tandem.db"), { readonly: true })
  const count = (sql: string) => (db.query(sql).get() as { n: number }).n
  expect(count("select count(*) as n from session")).toBe(0)
  expect(count("select count(*) as n from message")).toBe(0)
  expect(count("select count(*) as n from part")).toBe(0)
  expect(count("select count(*) as n from task")).toBe(0)
  db.close()
  server = await serve(directory, data)
  // An answer means start-up is over: its recovery line, if any, is printed and SIGTERM is handled.
  expect(await server.call("GET", "/session")).toEqual([])
  expect(server.output()).not.toContain("recovered")
  server.child.kill("SIGTERM")
  expect(await server.child.exited).toBe(0)
  expect(integrity(data)).toEqual({ integrity_check: "ok" })
}, 60_000)
