import { afterAll, beforeAll, expect, test } from "bun:test"
import { writeFileSync } from "node:fs"
import path from "node:path"
import { createOpencodeClient } from "@opencode-ai/sdk/v2"
import { createEngine, type Engine } from "@tandem/core/engine"
import { startScriptedServer, type ScriptedServer } from "@tandem/testing/scripted-server"
import { tempProject } from "@tandem/testing/fixture"
import { gate, lastToolResults, lastUser } from "@tandem/testing/script"
import { serve } from "../src/serve"

// End to end: opencode's own SDK client drives a Tandem server whose opencode.json names an
// OpenAI-compatible provider (the scripted HTTP server), so the real provider adapter runs.
let model: ScriptedServer
let engine: Engine
let server: ReturnType<typeof serve>
let directory: string
/** The background child answers once the parent's prompt has been answered. */
const bgChild = gate()

beforeAll(() => {
  model = startScriptedServer({
    responder: (request) => {
      if (!request.tools.length) return { text: "A title" }
      if (lastUser(request) === "BGCHILD")
        return bgChild.promise.then(() => ({ text: "background child result", chunkDelayMs: 5 }))
      if (lastUser(request) === "bg") {
        const results = lastToolResults(request)
        if (!results.length)
          return {
            toolCalls: [
              {
                name: "task",
                input: { description: "bg job", prompt: "BGCHILD", subagent_type: "general", background: true },
              },
            ],
          }
        return { text: results[0]!.output.includes("Background task started") ? "dispatched" : "result in" }
      }
      if (lastUser(request) === "count") {
        if (lastToolResults(request).length)
          return { text: `listing: ${lastToolResults(request)[0]!.output.includes("hello.txt")}` }
        return { toolCalls: [{ name: "glob", input: { pattern: "*.txt" } }] }
      }
      return { text: `echo: ${lastUser(request)}`, reasoning: "thinking" }
    },
  })
  directory = tempProject()
  writeFileSync(path.join(directory, "hello.txt"), "hi\n")
  writeFileSync(
    path.join(directory, "opencode.json"),
    JSON.stringify({
      $schema: "https://opencode.ai/config.json",
      model: "local/scripted",
      provider: {
        local: {
          npm: "@ai-sdk/openai-compatible",
          name: "Local",
          options: { baseURL: model.url, apiKey: "{env:LOCAL_TEST_KEY}" },
          models: { scripted: { name: "Scripted" } },
        },
      },
    }),
  )
  engine = createEngine({
    directory,
    dbFile: path.join(directory, ".data", "tandem.db"),
    env: { ...process.env, LOCAL_TEST_KEY: "sk-secret-value" },
  })
  server = serve(engine, { port: 0 })
})

afterAll(async () => {
  await server.stop()
  await engine.close()
  await model.stop()
})

test("the opencode SDK client: create, prompt, messages and the event stream", async () => {
  const client = createOpencodeClient({ baseUrl: server.url, directory })
  const events = await client.event.subscribe()
  const seen: string[] = []
  const raw: string[] = []
  const collecting = (async () => {
    for await (const event of events.stream) {
      raw.push(JSON.stringify(event))
      seen.push((event as { type: string }).type)
      if ((event as { type: string }).type === "session.idle") break
    }
  })()

  const created = await client.session.create({ title: "sdk round trip" })
  expect(created.error).toBeUndefined()
  const sessionID = created.data!.id
  expect(sessionID).toStartWith("ses_")

  const reply = await client.session.prompt({ sessionID, parts: [{ type: "text", text: "hello" }] })
  expect(reply.error).toBeUndefined()
  expect(reply.data!.info).toMatchObject({ role: "assistant", providerID: "local", modelID: "scripted" })
  expect(reply.data!.parts.find((p) => p.type === "text")).toMatchObject({ text: "echo: hello" })
  expect(reply.data!.parts.find((p) => p.type === "reasoning")).toMatchObject({ text: "thinking" })

  const messages = await client.session.messages({ sessionID })
  expect(messages.data!.map((m) => m.info.role)).toEqual(["user", "assistant"])

  await collecting
  expect(seen[0]).toBe("server.connected")
  for (const type of [
    "session.created",
    "message.updated",
    "message.part.updated",
    "message.part.delta",
    "session.status",
    "session.idle",
  ])
    expect(seen).toContain(type)
  expect(model.calls[0]!.messages.at(-1)).toMatchObject({ role: "user", text: "hello" })
  expect(raw.join("\n")).not.toContain("sk-secret-value")
})

test("a tool round trip through the real openai-compatible adapter", async () => {
  const client = createOpencodeClient({ baseUrl: server.url, directory })
  const sessionID = (await client.session.create({})).data!.id
  const reply = await client.session.prompt({ sessionID, parts: [{ type: "text", text: "count" }] })
  expect(reply.data!.parts.find((p) => p.type === "text")).toMatchObject({ text: "listing: true" })
  const all = (await client.session.messages({ sessionID })).data!
  const tool = all.flatMap((m) => m.parts).find((p) => p.type === "tool")
  expect(tool).toMatchObject({ tool: "glob", state: { status: "completed" } })
})

test("secrets from {env:} never appear in API responses", async () => {
  for (const route of ["/config", "/provider", "/config/providers"]) {
    const body = await (await fetch(server.url + route)).text()
    expect(body).not.toContain("sk-secret-value")
  }
})

test("the SDK client sees the background task events on /event", async () => {
  const client = createOpencodeClient({ baseUrl: server.url, directory })
  const sessionID = (await client.session.create({})).data!.id
  const events = await client.event.subscribe()
  const seen: { type: string; properties: Record<string, unknown> }[] = []
  const collecting = (async () => {
    for await (const raw of events.stream) {
      const event = raw as unknown as { type: string; properties: Record<string, unknown> }
      seen.push(event)
      if (event.type === "task.delivered") break
    }
  })()
  const reply = await client.session.prompt({ sessionID, parts: [{ type: "text", text: "bg" }] })
  expect(reply.data!.parts.find((p) => p.type === "text")).toMatchObject({ text: "dispatched" })
  bgChild.release()
  await collecting
  const types = seen.map((e) => e.type)
  for (const type of ["task.created", "task.updated", "task.progress", "task.delivered"]) expect(types).toContain(type)
  expect(seen.find((e) => e.type === "task.delivered")!.properties).toMatchObject({ parentSessionID: sessionID })
  const tasks = await (await fetch(`${server.url}/session/${sessionID}/task`)).json()
  expect(tasks).toEqual([
    expect.objectContaining({ state: "completed", delivery: "delivered", result: "background child result" }),
  ])
})
