import { afterAll, expect, test } from "bun:test"
import path from "node:path"
import { startScriptedServer } from "@tandem/testing/scripted-server"
import { scriptedProject } from "@tandem/testing/fixture"
import { gate, lastToolResults, lastUser, type ScriptRequest, type Turn } from "@tandem/testing/script"
import { jsonRoutes, startServe, until, type Json } from "./serve-process"

// Restart recovery against the real server process: kill it (SIGKILL, or SIGTERM) at several
// points of a background run, start it again on the same data, and check that every task is
// delivered exactly once or reported interrupted exactly once, nothing is left dangling, and
// the parent answers its next prompt.

const holds = new Map<string, ReturnType<typeof gate>>()
const held = (key: string) => {
  if (!holds.has(key)) holds.set(key, gate())
  return holds.get(key)!
}
const children = (n: number, tag: string) =>
  Array.from({ length: n }, (_, i) => ({
    name: "task",
    input: { description: `${tag} ${i}`, prompt: `CHILD ${tag} ${i}`, subagent_type: "general", background: true },
  }))

async function respond(request: ScriptRequest): Promise<Turn> {
  const said = lastUser(request)
  const child = /^CHILD (\w+) (\d+)$/.exec(said)
  if (child) {
    await held(`child:${child[1]}`).promise
    return { text: `result of ${child[1]} ${child[2]}` }
  }
  const fan = /^FAN (\w+) (\d+)$/.exec(said)
  const results = lastToolResults(request)
  if (fan) {
    if (!results.length) return { toolCalls: children(Number(fan[2]), fan[1]!) }
    if (results.every((r) => r.output.includes("Background task started"))) {
      held(`parent-waiting:${fan[1]}`).release()
      await held(`parent:${fan[1]}`).promise
      return { text: "dispatched" }
    }
  }
  if (results.length) return { text: `parent got ${results.length} result(s)` }
  return { text: `answer to ${said}` }
}

const model = startScriptedServer({ responder: respond })
const processes: ReturnType<typeof Bun.spawn>[] = []
afterAll(async () => {
  for (const child of processes) child.kill("SIGKILL")
  for (const g of holds.values()) g.release()
  await model.stop()
})

function project(maxAttempts = 3) {
  return scriptedProject(model.url, { tandem: { title: false, background: { max_attempts: maxAttempts } } })
}

async function start(directory: string) {
  const { child, url } = await startServe(directory, { ...process.env, XDG_DATA_HOME: path.join(directory, ".data") })
  processes.push(child)
  const call = jsonRoutes(url)
  return { child, url, call }
}

/** Every task delivered once or reported interrupted once; no dangling parts; the parent answers. */
async function assertAccounted(server: Awaited<ReturnType<typeof start>>, parentID: string, expected: number) {
  const tasks = await until(
    () => server.call("GET", `/session/${parentID}/task`),
    (list) => list.length === expected && list.every((t: Json) => t.delivery !== "pending"),
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
    expect(["completed", "interrupted"]).toContain(task.state)
    expect(synthetic.filter((p: Json) => p.state.input.task_id === task.id)).toHaveLength(1)
  }
  for (const session of [parentID, ...tasks.map((t: Json) => t.sessionID)]) {
    const all = (await server.call("GET", `/session/${session}/message`)) as Json[]
    const dangling = all
      .flatMap((m) => m.parts)
      .filter((p: Json) => p.type === "tool" && ["pending", "running"].includes(p.state.status))
    expect(dangling).toEqual([])
    expect(all.filter((m) => m.info.role === "assistant" && !m.info.time.completed)).toEqual([])
  }
  const reply = await server.call("POST", `/session/${parentID}/message`, {
    parts: [{ type: "text", text: "still there?" }],
  })
  expect(reply.parts.find((p: Json) => p.type === "text").text).toBe("answer to still there?")
  return tasks
}

test("SIGKILL with children mid-stream: they are resumed and each result is delivered once", async () => {
  const directory = project()
  const first = await start(directory)
  const parent = await first.call("POST", "/session", {})
  held("parent:mid").release()
  await first.call("POST", `/session/${parent.id}/prompt_async`, { parts: [{ type: "text", text: "FAN mid 3" }] })
  await until(
    () => first.call("GET", `/session/${parent.id}/task`),
    (t) => t.length === 3 && t.every((x: Json) => x.state === "running"),
    "3 running",
  )
  await until(
    async () => model.calls.filter((c) => lastUser(c).startsWith("CHILD mid")).length,
    (n) => n === 3,
    "3 child calls",
  )
  first.child.kill("SIGKILL")
  await first.child.exited
  held("child:mid").release()
  const second = await start(directory)
  const tasks = await assertAccounted(second, parent.id, 3)
  expect(
    tasks.every((t: Json) => t.state === "completed" && t.attempts === 2 && t.result.startsWith("result of mid")),
  ).toBe(true)
  second.child.kill("SIGTERM")
  expect(await second.child.exited).toBe(0)
}, 60_000)

test("SIGKILL between a child's end and its delivery: the result is delivered after the restart", async () => {
  const directory = project()
  const first = await start(directory)
  const parent = await first.call("POST", "/session", {})
  await first.call("POST", `/session/${parent.id}/prompt_async`, { parts: [{ type: "text", text: "FAN gap 2" }] })
  // The children end while the parent's next model call is held, so their results wait in the ledger.
  await held("parent-waiting:gap").promise
  held("child:gap").release()
  await until(
    () => first.call("GET", `/session/${parent.id}/task`),
    (t) => t.length === 2 && t.every((x: Json) => x.state === "completed" && x.delivery === "pending"),
    "both finished, parent still busy",
  )
  first.child.kill("SIGKILL")
  await first.child.exited
  held("parent:gap").release()
  const second = await start(directory)
  const tasks = await assertAccounted(second, parent.id, 2)
  expect(tasks.every((t: Json) => t.attempts === 1)).toBe(true)
  second.child.kill("SIGKILL")
}, 60_000)

test("SIGKILL during dispatch: whatever reached the ledger is accounted for, the rest is closed", async () => {
  const directory = project()
  const first = await start(directory)
  const parent = await first.call("POST", "/session", {})
  held("parent:burst").release()
  await first.call("POST", `/session/${parent.id}/prompt_async`, { parts: [{ type: "text", text: "FAN burst 40" }] })
  const seen = await until(
    () => first.call("GET", `/session/${parent.id}/task`),
    (t) => t.length > 0,
    "the first dispatch",
  )
  first.child.kill("SIGKILL")
  await first.child.exited
  const startedBeforeKill = model.calls.filter((c) => lastUser(c).startsWith("CHILD burst")).length
  held("child:burst").release()
  const second = await start(directory)
  const count = ((await second.call("GET", `/session/${parent.id}/task`)) as Json[]).length
  expect(count).toBeGreaterThanOrEqual(seen.length)
  expect(startedBeforeKill).toBeLessThan(40)
  await assertAccounted(second, parent.id, count)
  second.child.kill("SIGKILL")
}, 60_000)

test("attempts exhausted: a task that keeps dying is delivered once as interrupted", async () => {
  const directory = project(1)
  const first = await start(directory)
  const parent = await first.call("POST", "/session", {})
  held("parent:once").release()
  await first.call("POST", `/session/${parent.id}/prompt_async`, { parts: [{ type: "text", text: "FAN once 1" }] })
  await until(
    () => first.call("GET", `/session/${parent.id}/task`),
    (t) => t[0]?.state === "running",
    "running",
  )
  first.child.kill("SIGKILL")
  await first.child.exited
  const second = await start(directory)
  const [task] = await assertAccounted(second, parent.id, 1)
  expect(task).toMatchObject({ state: "interrupted", reason: expect.stringContaining("max_attempts 1") })
  second.child.kill("SIGKILL")
  held("child:once").release()
}, 60_000)

test("SIGTERM shuts down cleanly: running children stop, nothing dangles, they resume on the next start", async () => {
  const directory = project()
  const first = await start(directory)
  const parent = await first.call("POST", "/session", {})
  held("parent:term").release()
  await first.call("POST", `/session/${parent.id}/prompt_async`, { parts: [{ type: "text", text: "FAN term 2" }] })
  await until(
    () => first.call("GET", `/session/${parent.id}/task`),
    (t) => t.length === 2 && t.every((x: Json) => x.state === "running"),
    "2 running",
  )
  await until(
    async () => model.calls.filter((c) => lastUser(c).startsWith("CHILD term")).length,
    (n) => n === 2,
    "2 child calls",
  )
  first.child.kill("SIGTERM")
  expect(await first.child.exited).toBe(0)
  held("child:term").release()
  const second = await start(directory)
  const tasks = await assertAccounted(second, parent.id, 2)
  expect(tasks.every((t: Json) => t.state === "completed")).toBe(true)
  second.child.kill("SIGKILL")
}, 60_000)
