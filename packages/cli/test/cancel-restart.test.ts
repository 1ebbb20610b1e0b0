import { afterAll, expect, test } from "bun:test"
import path from "node:path"
import { startScriptedServer } from "@tandem/testing/scripted-server"
import { scriptedProject } from "@tandem/testing/fixture"
import { gate, lastToolResults, lastUser } from "@tandem/testing/script"
import { jsonRoutes, startServe, until, type Json } from "./serve-process"

// A cancelled background child must not look busy after the server restarts: no status, no open
// tool part or unfinished message in the child, and the parent's task parts say it was cancelled.

const childHeld = gate()
const childCalled = gate()
const model = startScriptedServer({
  responder: async (request) => {
    const said = lastUser(request)
    if (said.startsWith("CHILD")) {
      childCalled.release()
      await childHeld.promise
      return { text: "too late" }
    }
    if (!lastToolResults(request).length && said === "go")
      return {
        toolCalls: ["CHILD running", "CHILD queued"].map((prompt) => ({
          name: "task",
          input: { description: prompt, prompt, subagent_type: "general", background: true },
        })),
      }
    return { text: `answer to ${said}` }
  },
})
const processes: ReturnType<typeof Bun.spawn>[] = []
afterAll(async () => {
  for (const child of processes) child.kill("SIGKILL")
  childHeld.release()
  await model.stop()
})

async function start(directory: string) {
  const { child, url } = await startServe(directory, { ...process.env, XDG_DATA_HOME: path.join(directory, ".data") })
  processes.push(child)
  const call = jsonRoutes(url)
  return { child, call }
}

const openParts = (messages: Json[]) =>
  messages
    .flatMap((m) => m.parts)
    .filter((p: Json) => p.type === "tool" && ["pending", "running"].includes(p.state.status))

test("a child cancelled mid-call, and one cancelled while queued, look idle and cancelled after a SIGKILL and a restart", async () => {
  const directory = scriptedProject(model.url, {
    tandem: { title: false, background: { max_running_per_session: 1, resume_parent: false } },
  })
  const first = await start(directory)
  const parent = await first.call("POST", "/session", {})
  await first.call("POST", `/session/${parent.id}/message`, { parts: [{ type: "text", text: "go" }] })
  const [running, queued] = await until(
    () => first.call("GET", `/session/${parent.id}/task`),
    (t) => t.length === 2 && t[0].state === "running" && t[1].state === "queued",
    "one running, one queued",
  )
  await childCalled.promise
  expect((await first.call("GET", "/session/status"))[running.sessionID]).toMatchObject({ type: "busy" })
  for (const task of [running, queued])
    expect((await first.call("POST", `/task/${task.id}/cancel`)).state).toBe("cancelled")
  // Killed at once: the cancelled child's loop may not have wound down yet.
  first.child.kill("SIGKILL")
  await first.child.exited

  const second = await start(directory)
  const tasks = await until(
    () => second.call("GET", `/session/${parent.id}/task`),
    (t) => t.length === 2 && t.every((x: Json) => x.delivery !== "pending"),
    "both results delivered",
  )
  expect(tasks.map((t: Json) => t.state)).toEqual(["cancelled", "cancelled"])
  await until(
    () => second.call("GET", "/session/status"),
    (status) => !status[parent.id],
    "the parent to go idle",
  )
  const status = await second.call("GET", "/session/status")
  for (const task of tasks) {
    expect(status[task.sessionID]).toBeUndefined()
    const messages = (await second.call("GET", `/session/${task.sessionID}/message`)) as Json[]
    expect(openParts(messages)).toEqual([])
    expect(messages.filter((m) => m.info.role === "assistant" && !m.info.time.completed)).toEqual([])
  }
  const transcript = (await second.call("GET", `/session/${parent.id}/message`)) as Json[]
  expect(openParts(transcript)).toEqual([])
  const taskParts = transcript.flatMap((m) => m.parts).filter((p: Json) => p.type === "tool" && p.tool === "task")
  expect(taskParts.map((p: Json) => [p.state.status, p.state.metadata.state, !!p.metadata?.synthetic])).toEqual([
    ["error", "cancelled", false],
    ["error", "cancelled", false],
    ["error", "cancelled", true],
    ["error", "cancelled", true],
  ])
  second.child.kill("SIGTERM")
  expect(await second.child.exited).toBe(0)
}, 60_000)
