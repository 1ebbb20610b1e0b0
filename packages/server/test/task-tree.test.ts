import { afterAll, expect, test } from "bun:test"
import { testEngine } from "@tandem/testing/fixture"
import { lastToolResults, lastUser } from "@tandem/testing/script"
import { createApp } from "../src/app"

// GET /session/:id/task/tree: every task below a session, however deep, and none of another's.

const { engine, directory } = testEngine({
  config: { tandem: { background: { resume_parent: false, coalesce_ms: 0 } } },
  responder: (request) => {
    const said = lastUser(request)
    if (!said.startsWith("spawn ")) return { text: `done: ${said}` }
    if (lastToolResults(request).length) return { text: "dispatched" }
    return {
      toolCalls: said
        .slice(6)
        .split(";")
        .map((prompt) => ({
          name: "task",
          input: { description: prompt, prompt, subagent_type: "general", background: true },
        })),
    }
  },
})
const app = createApp(engine)
afterAll(() => engine.close())

async function run(prompt: string) {
  const session = engine.store.createSession({ directory })
  await engine.runner.prompt(session.id, { parts: [{ type: "text", text: prompt }] })
  await engine.background.settled(session.id)
  return session
}

test("the tree lists each task followed by the tasks its child started, and nothing of other sessions", async () => {
  const other = await run("spawn elsewhere")
  const root = await run("spawn spawn leaf one;middle two")
  const res = await app.request(`/session/${root.id}/task/tree`)
  expect(res.status).toBe(200)
  const tree: { description: string; parentSessionID: string; sessionID: string; state: string }[] = await res.json()
  expect(tree.map((task) => task.description)).toEqual(["spawn leaf one", "leaf one", "middle two"])
  expect(tree[0]!.parentSessionID).toBe(root.id)
  expect(tree[1]!.parentSessionID).toBe(tree[0]!.sessionID)
  expect(tree.every((task) => task.state === "completed")).toBe(true)
  // A child's tree is its own part of the whole; a session without tasks has an empty one.
  expect((await (await app.request(`/session/${tree[0]!.sessionID}/task/tree`)).json()).length).toBe(1)
  expect(await (await app.request(`/session/${tree[1]!.sessionID}/task/tree`)).json()).toEqual([])
  expect((await (await app.request(`/session/${other.id}/task/tree`)).json()).length).toBe(1)
  expect((await app.request("/session/ses_missing/task/tree")).status).toBe(404)
  expect((await app.request("/session/nope/task/tree")).status).toBe(400)
})
