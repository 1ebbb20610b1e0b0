import { afterAll, expect, test } from "bun:test"
import { createOpencodeClient } from "@opencode-ai/sdk/v2"
import { startScriptedServer } from "@tandem/testing/scripted-server"
import { scriptedProject } from "@tandem/testing/fixture"
import { lastUser } from "@tandem/testing/script"
import { SUMMARY_PROMPT } from "@tandem/core/session/compaction/summarize"
import { startServe } from "./serve-process"

// opencode's SDK `session.summarize` (the TUI's compact) against a real `tandem serve` process.
const model = startScriptedServer({
  responder: (request) => {
    if (lastUser(request) === SUMMARY_PROMPT) return { text: "SUMMARY: the user said hello" }
    if (!request.tools.length) return { text: "A title" }
    return { text: `served: ${lastUser(request)}` }
  },
})
afterAll(() => model.stop())

test("session.summarize compacts the session: a compaction part, a summary message, later calls start from it", async () => {
  const directory = scriptedProject(model.url)
  const { child, url } = await startServe(directory)
  try {
    const client = createOpencodeClient({ baseUrl: url })
    const sessionID = (await client.session.create({})).data!.id
    await client.session.prompt({ sessionID, parts: [{ type: "text", text: "hello FIRST" }] })

    const summarized = await client.session.summarize({ sessionID, providerID: "local", modelID: "scripted" })
    expect(summarized.data).toBe(true)
    const messages = (await client.session.messages({ sessionID })).data!
    const [request, summary] = messages.slice(-2)
    expect(request!.parts).toEqual([expect.objectContaining({ type: "compaction", auto: false })])
    expect(summary!.info).toMatchObject({ role: "assistant", summary: true, parentID: request!.info.id })
    expect(summary!.parts.find((p) => p.type === "text")).toMatchObject({ text: "SUMMARY: the user said hello" })
    expect((await client.session.get({ sessionID })).data!.time.compacting).toBeUndefined()

    const reply = await client.session.prompt({ sessionID, parts: [{ type: "text", text: "and now?" }] })
    expect(reply.data!.parts.find((p) => p.type === "text")).toMatchObject({ text: "served: and now?" })
    const last = JSON.stringify(model.calls.at(-1)!.messages)
    expect(last).toContain("SUMMARY: the user said hello")
    expect(last).not.toContain("hello FIRST")

    const unknown = await client.session.summarize({ sessionID, providerID: "nope", modelID: "missing" })
    expect(unknown.response.status).toBe(400)
  } finally {
    child.kill("SIGTERM")
    await child.exited
  }
}, 30_000)
