import { afterAll, expect, test } from "bun:test"
import { createOpencodeClient } from "@opencode-ai/sdk/v2"
import { startScriptedServer } from "@tandem/testing/scripted-server"
import { scriptedProject } from "@tandem/testing/fixture"
import { gate, lastToolResults, lastUser } from "@tandem/testing/script"
import { startServe } from "./serve-process"

// What opencode's clients read of background tasks in the parent's transcript, through the SDK.

const held = gate()
const model = startScriptedServer({
  responder: async (request) => {
    const said = lastUser(request)
    if (said === "CHILD quick") return { text: "quick answer" }
    if (said === "CHILD held") {
      await held.promise
      return { text: "too late" }
    }
    const results = lastToolResults(request)
    if (!results.length)
      return {
        toolCalls: ["CHILD quick", "CHILD held"].map((prompt) => ({
          name: "task",
          input: { description: prompt, prompt, subagent_type: "general", background: true },
        })),
      }
    return { text: "noted" }
  },
})
afterAll(() => {
  held.release()
  model.stop()
})

type Part = { type: string; tool?: string; state?: Record<string, any> }

test("through the SDK, task parts carry the child's id and model, and a cancelled task is an error, not a success", async () => {
  const directory = scriptedProject(model.url)
  const { child, url } = await startServe(directory)
  try {
    const client = createOpencodeClient({ baseUrl: url })
    const sessionID = (await client.session.create({})).data!.id
    await client.session.prompt({ sessionID, parts: [{ type: "text", text: "go" }] })
    const parts = async () =>
      ((await client.session.messages({ sessionID })).data ?? []).flatMap((m) => m.parts as Part[])
    const dispatches = (await parts()).filter((p) => p.tool === "task" && !p.state?.metadata?.synthetic)
    expect(dispatches).toHaveLength(2)
    // A dispatch part follows its task; the receipt the model read is kept in its metadata.
    const ids = dispatches.map((p) => /Background task started: (\S+) /.exec(p.state!.metadata.receipt)![1]!)
    for (const [i, part] of dispatches.entries()) {
      expect(part.state!.metadata).toMatchObject({
        parentSessionId: sessionID,
        sessionId: ids[i],
        model: { providerID: "local", modelID: "scripted" },
        background: true,
      })
      expect((await client.session.get({ sessionID: ids[i]! })).data?.parentID).toBe(sessionID)
    }
    const dispatchOf = async (id: string) =>
      (await parts()).find(
        (p) => p.tool === "task" && !p.state?.metadata?.synthetic && p.state?.metadata?.sessionId === id,
      )!
    expect((await dispatchOf(ids[1]!)).state).toMatchObject({ status: "running", metadata: { state: "running" } })
    const cancelled = await fetch(`${url}/task/${ids[1]}/cancel`, { method: "POST" })
    expect(((await cancelled.json()) as { state: string }).state).toBe("cancelled")
    let delivered: Part[] = []
    for (let i = 0; i < 200 && delivered.length < 2; i++) {
      delivered = (await parts()).filter((p) => p.tool === "task" && p.state?.metadata?.synthetic)
      if (delivered.length < 2) await Bun.sleep(50)
    }
    const bySession = Object.fromEntries(delivered.map((p) => [p.state!.metadata.sessionId, p.state!]))
    expect(bySession[ids[0]!]).toMatchObject({ status: "completed", input: { task_id: ids[0], prompt: "CHILD quick" } })
    expect(bySession[ids[1]!]).toMatchObject({ status: "error", input: { task_id: ids[1], prompt: "CHILD held" } })
    expect(bySession[ids[1]!]!.error).toStartWith("Task cancelled: cancelled through the API")
    expect(bySession[ids[1]!]!.metadata).toMatchObject({ model: { providerID: "local", modelID: "scripted" } })
    const quick = (await dispatchOf(ids[0]!)).state!
    expect(quick).toMatchObject({ status: "completed", metadata: { state: "completed" } })
    expect(quick.output).toBe(quick.metadata.receipt)
    const stopped = (await dispatchOf(ids[1]!)).state!
    expect(stopped).toMatchObject({ status: "error", metadata: { state: "cancelled" } })
    expect(stopped.error).toStartWith("Task cancelled: cancelled through the API")
  } finally {
    child.kill("SIGTERM")
    await child.exited
  }
}, 60_000)
