import { afterAll, expect, test } from "bun:test"
import { testEngine } from "@tandem/testing/fixture"
import { gate, lastToolResults, lastUser, type ScriptRequest } from "@tandem/testing/script"
import { SessionIdle } from "@tandem/core/session/events"
import { TaskDelivered, TaskSteered, TaskUpdated } from "@tandem/core/task/events"
import { ascending } from "@tandem/core/id/id"
import { createApp } from "../src/app"

// Steering and rolled-up usage over HTTP: POST /task/:id/message, the ordinary prompt routes to a
// running background child, abort of a child's session, GET /session/:id/usage.

/** Each child's model call waits on the gate named after its prompt; entering one releases `entered[prompt]`. */
const holds = new Map<string, ReturnType<typeof gate>>()
const entered = new Map<string, ReturnType<typeof gate>>()
const gateOf = (map: typeof holds, key: string) => map.get(key) ?? map.set(key, gate()).get(key)!
const heldUntil = (held: ReturnType<typeof gate>, request: ScriptRequest) =>
  Promise.race([
    held.promise,
    new Promise<void>((resolve) => request.signal?.addEventListener("abort", () => resolve(), { once: true })),
  ])

const { engine, directory, calls } = testEngine({
  config: {
    provider: { scripted: { models: { test: { cost: { input: 1, output: 2 } } } } },
    tandem: { background: { resume_parent: false, coalesce_ms: 0, progress_interval_ms: 0 } },
  },
  responder: async (request) => {
    let said = lastUser(request)
    const first = request.messages[0]!.text
    const usage = { input: 100, output: 10 }
    if (said === "tree") said = "spawn spawn CHILD E;CHILD F"
    if (said.startsWith("spawn ")) {
      if (lastToolResults(request).length) return { text: "dispatched", usage }
      const prompts = said === "spawn spawn CHILD E;CHILD F" ? [said.slice(6)] : said.slice(6).split(";")
      return {
        usage,
        toolCalls: prompts.map((prompt) => ({
          name: "task",
          input: { description: prompt, prompt, subagent_type: "general", background: true },
        })),
      }
    }
    if (said.startsWith("CHILD") && request.messages.length === 1) {
      gateOf(entered, said).release()
      await heldUntil(gateOf(holds, said), request)
      return { text: `${said} first`, usage }
    }
    return { text: `${first} heard: ${said}`, usage }
  },
})
const app = createApp(engine)
afterAll(() => engine.close())

const read = async (res: Response | Promise<Response>): Promise<any> => (await res).json()
const post = (body: unknown) => ({
  method: "POST",
  body: JSON.stringify(body),
  headers: { "content-type": "application/json" },
})

/** A parent that has started `prompt` in the background, with the child's first model call under way. */
async function runningChild(prompt: string) {
  const parent = engine.store.createSession({ directory })
  await engine.runner.prompt(parent.id, { parts: [{ type: "text", text: `spawn ${prompt}` }] })
  await gateOf(entered, prompt).promise
  return { parent, task: engine.background.list(parent.id)[0]! }
}

test("POST /task/:id/message queues a message the running child reads before its next model call", async () => {
  const { parent, task } = await runningChild("CHILD A")
  expect(await read(app.request(`/session/${parent.id}/usage`))).toMatchObject({ running: 1, steps: 2 })
  const res = await app.request(`/task/${task.id}/message`, post({ text: "look at B too" }))
  expect(res.status).toBe(200)
  const body = await read(res)
  const steerID: string = body.id
  expect(steerID).toStartWith("msg_")
  expect(body).toMatchObject({ queued: true, task: { id: task.id } })
  const steered = engine.bus.once(TaskSteered, (e) => e.steerID === steerID)
  const ended = engine.bus.once(TaskUpdated, (e) => e.task.id === task.id && e.task.state === "completed")
  gateOf(holds, "CHILD A").release()
  // The child's user message takes the id the route answered with.
  expect(await steered).toMatchObject({ taskID: task.id, sessionID: task.sessionID, messageID: steerID })
  expect((await ended).task.result).toBe("CHILD A heard: look at B too")
  const last = calls.filter((c) => c.messages[0]?.text === "CHILD A").at(-1)!
  expect(last.messages.at(-1)).toEqual({ role: "user", text: "look at B too" })
})

test("steering answers 409 for a finished task, 404 for an unknown one, 400 for empty text", async () => {
  const { task } = await runningChild("CHILD B")
  const ended = engine.bus.once(TaskUpdated, (e) => e.task.id === task.id && e.task.state === "completed")
  gateOf(holds, "CHILD B").release()
  await ended
  const late = await app.request(`/task/${task.sessionID}/message`, post({ text: "too late" }))
  expect(late.status).toBe(409)
  expect(await read(late)).toEqual({
    name: "ConflictError",
    data: { message: `task ${task.id} has ended (completed); it takes no more messages` },
  })
  expect((await app.request("/task/tsk_unknown/message", post({ text: "hi" }))).status).toBe(404)
  const empty = await app.request(`/task/${task.id}/message`, post({ text: "  " }))
  expect(empty.status).toBe(400)
  expect(await read(empty)).toMatchObject({ name: "BadRequest", data: { message: expect.stringContaining("empty") } })
})

test("a prompt through opencode's prompt routes to a running child steers it instead of starting a loop", async () => {
  const { task } = await runningChild("CHILD C")
  const steered = engine.bus.once(TaskSteered, (e) => e.taskID === task.id)
  const accepted = await app.request(
    `/session/${task.sessionID}/prompt_async`,
    post({ parts: [{ type: "text", text: "async word" }] }),
  )
  expect(accepted.status).toBe(204)
  expect(engine.store.lastUserMessage(task.sessionID)).toMatchObject({ id: expect.any(String) })
  expect(engine.store.messages(task.sessionID).filter((m) => m.info.role === "user")).toHaveLength(1)
  // opencode's terminal UI names the message and its parts itself; the steered message keeps them.
  const messageID = ascending("message")
  const partID = ascending("part")
  const reply = app.request(
    `/session/${task.sessionID}/message`,
    post({ messageID, parts: [{ id: partID, type: "text", text: "sync word" }] }),
  )
  gateOf(holds, "CHILD C").release()
  await steered
  const replied = await reply
  expect(replied.status).toBe(200)
  const answer = await replied.json()
  expect(answer.info).toMatchObject({ role: "assistant", sessionID: task.sessionID })
  // One loop, the task's own: its held call, then one call that read both messages after its answer.
  expect(calls.filter((c) => c.messages[0]?.text === "CHILD C").map((c) => c.messages)).toEqual([
    [{ role: "user", text: "CHILD C" }],
    [
      { role: "user", text: "CHILD C" },
      { role: "assistant", text: "CHILD C first" },
      { role: "user", text: "async word" },
      { role: "user", text: "sync word" },
    ],
  ])
  expect(answer.parts.find((p: { type: string }) => p.type === "text").text).toBe("CHILD C heard: sync word")
  const users = engine.store.messages(task.sessionID).filter((m) => m.info.role === "user")
  expect(users.map((m) => m.parts[0]!.type === "text" && m.parts[0]!.text)).toEqual([
    "CHILD C",
    "async word",
    "sync word",
  ])
  expect(users[2]!.info.id).toBe(messageID)
  expect(users[2]!.parts[0]!.id).toBe(partID)
})

test("POST /session/:childID/abort cancels the running child's task, delivered as cancelled", async () => {
  const { parent, task } = await runningChild("CHILD D")
  const cancelled = engine.bus.once(TaskUpdated, (e) => e.task.id === task.id && e.task.state === "cancelled")
  const delivered = engine.bus.once(TaskDelivered, (e) => e.taskID === task.id)
  expect(await read(app.request(`/session/${task.sessionID}/abort`, { method: "POST" }))).toBe(true)
  expect((await cancelled).task.reason).toBe("the child's session was aborted")
  await delivered
  expect(engine.background.get(task.id)).toMatchObject({ state: "cancelled", delivery: "delivered" })
  const tasks = await read(app.request(`/session/${parent.id}/task`))
  expect(tasks[0]).toMatchObject({ id: task.id, state: "cancelled" })
  // The parent's transcript holds the result as a task call that failed, saying it was cancelled.
  const messages: { parts: { type: string; tool?: string; metadata?: { synthetic?: boolean }; state?: object }[] }[] =
    await read(app.request(`/session/${parent.id}/message`))
  const results = messages.flatMap((m) => m.parts).filter((p) => p.tool === "task" && p.metadata?.synthetic)
  expect(results).toHaveLength(1)
  expect(results[0]!.state).toMatchObject({
    status: "error",
    error: expect.stringMatching(
      /^Task cancelled: the child's session was aborted\n<task id="[^"]+" state="cancelled">/,
    ),
  })
})

test("a prompt to a running child idle between steps, waiting on its own task, is read at once", async () => {
  const parent = engine.store.createSession({ directory })
  await engine.runner.prompt(parent.id, { parts: [{ type: "text", text: "spawn spawn CHILD H" }] })
  const [middle] = engine.background.list(parent.id)
  await gateOf(entered, "CHILD H").promise
  if (engine.runner.isBusy(middle!.sessionID))
    await engine.bus.once(SessionIdle, (e) => e.sessionID === middle!.sessionID)
  const [leaf] = engine.background.list(middle!.sessionID)
  expect(engine.background.get(leaf!.id)!.state).toBe("running")
  // The leaf is still held: the middle answers the message before anything else happens below it.
  const reply = await app.request(
    `/session/${middle!.sessionID}/message`,
    post({ parts: [{ type: "text", text: "hurry" }] }),
  )
  expect(reply.status).toBe(200)
  const answer = await reply.json()
  expect(answer.parts.find((p: { type: string }) => p.type === "text").text).toBe("spawn CHILD H heard: hurry")
  expect(engine.background.get(middle!.id)!.state).toBe("running")
  expect(engine.background.get(leaf!.id)!.state).toBe("running")
  const done = engine.bus.once(TaskUpdated, (e) => e.task.id === middle!.id && e.task.state === "completed")
  gateOf(holds, "CHILD H").release()
  await done
})

test("aborting a child idle between steps, waiting on its own task, cancels its task and the one below", async () => {
  const parent = engine.store.createSession({ directory })
  await engine.runner.prompt(parent.id, { parts: [{ type: "text", text: "spawn spawn CHILD G" }] })
  const [middle] = engine.background.list(parent.id)
  await gateOf(entered, "CHILD G").promise
  if (engine.runner.isBusy(middle!.sessionID))
    await engine.bus.once(SessionIdle, (e) => e.sessionID === middle!.sessionID)
  const [leaf] = engine.background.list(middle!.sessionID)
  const cancelled = (id: string) =>
    engine.bus.once(TaskUpdated, (e) => e.task.id === id && e.task.state === "cancelled")
  const both = Promise.all([cancelled(middle!.id), cancelled(leaf!.id)])
  expect(await read(app.request(`/session/${middle!.sessionID}/abort`, { method: "POST" }))).toBe(true)
  const [ended] = await both
  expect(ended.task.reason).toBe("the child's session was aborted")
})

test("GET /session/:id/usage sums tokens, cost and steps over the session and all its descendants", async () => {
  const parent = engine.store.createSession({ directory })
  await engine.runner.prompt(parent.id, { parts: [{ type: "text", text: "tree" }] })
  const [middle] = engine.background.list(parent.id)
  // The leaves end only once the middle has gone idle, so no result lands between its own steps.
  await Promise.all(["CHILD E", "CHILD F"].map((prompt) => gateOf(entered, prompt).promise))
  if (engine.runner.isBusy(middle!.sessionID))
    await engine.bus.once(SessionIdle, (e) => e.sessionID === middle!.sessionID)
  for (const prompt of ["CHILD E", "CHILD F"]) gateOf(holds, prompt).release()
  await engine.background.settled(parent.id)
  expect(engine.background.get(middle!.id)).toMatchObject({ state: "completed", delivery: "delivered" })
  // parent and middle: a dispatching step and the one after the receipts; E and F: one each.
  const steps = 2 + 2 + 1 + 1
  const usage = await read(app.request(`/session/${parent.id}/usage`))
  expect(usage).toMatchObject({
    tokens: { input: 100 * steps, output: 10 * steps, reasoning: 0, cache: { read: 0, write: 0 } },
    steps,
    running: 0,
  })
  expect(usage.cost).toBeCloseTo((100 * steps * 1 + 10 * steps * 2) / 1_000_000, 12)
  expect(await read(app.request(`/session/${middle!.sessionID}/usage`))).toMatchObject({
    steps: 4,
    tokens: { input: 400, output: 40 },
  })
  expect((await app.request("/session/ses_missing/usage")).status).toBe(404)
})
