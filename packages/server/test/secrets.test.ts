import { afterAll, expect, test } from "bun:test"
import { mkdirSync, writeFileSync } from "node:fs"
import path from "node:path"
import { createEngine } from "@tandem/core/engine"
import { startScriptedServer } from "@tandem/testing/scripted-server"
import { tempProject } from "@tandem/testing/fixture"
import { lastUser } from "@tandem/testing/script"
import { readEvents } from "../src/read-events"
import { createApp } from "../src/app"

const ORG = "org-SECRET-4242"
const TOKEN = "tok-SECRET-9191"
const KEY = "sk-SECRET-7777"
const PROMPT = "prompt-SECRET-from-file"

const model = startScriptedServer({
  responder: (request) =>
    lastUser(request) === "fail"
      ? { fault: { status: 401, body: JSON.stringify({ error: { message: `invalid api key ${KEY} for ${ORG}` } }) } }
      : { text: "fine" },
})
const directory = tempProject()
const home = tempProject()
mkdirSync(path.join(home, "opencode"), { recursive: true })
writeFileSync(path.join(directory, "prompt.txt"), PROMPT)
writeFileSync(
  path.join(directory, "opencode.json"),
  JSON.stringify({
    model: "local/scripted",
    provider: {
      local: {
        npm: "@ai-sdk/openai-compatible",
        options: {
          baseURL: model.url,
          apiKey: "{env:LOCAL_KEY}",
          organization: "{env:ORG}",
          accessToken: TOKEN,
          project: "user",
        },
        models: { scripted: {} },
      },
    },
    agent: { helper: { mode: "subagent", description: "helper for {env:ORG}", prompt: "{file:prompt.txt}" } },
    tandem: { title: false, retry: { attempts: 1 } },
  }),
)
const engine = createEngine({
  directory,
  dbFile: ":memory:",
  env: { XDG_CONFIG_HOME: home, LOCAL_KEY: KEY, ORG },
})
const app = createApp(engine)
afterAll(async () => {
  await engine.close()
  model.stop()
})

const json = (body: unknown) => ({
  method: "POST",
  body: JSON.stringify(body),
  headers: { "content-type": "application/json" },
})
const leaks = (text: string) => [KEY, ORG, TOKEN, PROMPT].filter((secret) => text.includes(secret))

test("config, provider and agent routes never show a secret value, under any key", async () => {
  expect(engine.config.provider?.local?.options?.organization).toBe(ORG)
  for (const route of ["/config", "/config/providers", "/provider", "/agent"]) {
    const res = await app.request(route)
    expect(res.status).toBe(200)
    const body = await res.text()
    expect(leaks(body)).toEqual([])
    expect(body).toContain("[redacted]")
  }
  for (const route of ["/config", "/config/providers"]) {
    const options = JSON.stringify(await (await app.request(route)).json())
    expect(options).toContain('"project":"[redacted]"')
    expect(options).not.toContain('"user"')
  }
})

test("a plain word among the provider options is hidden by key, not masked by value: a message's role stays user", async () => {
  const session = (await (await app.request("/session", json({}))).json()) as { id: string }
  await app.request(`/session/${session.id}/message`, json({ parts: [{ type: "text", text: "hello user" }] }))
  const messages = (await (await app.request(`/session/${session.id}/message`)).json()) as {
    info: { role: string }
    parts: { type: string; text?: string }[]
  }[]
  expect(messages.map((message) => message.info.role)).toEqual(["user", "assistant"])
  expect(messages[0]!.parts[0]!.text).toBe("hello user")
})

test("a provider error that echoes the key is masked in the stored message, the answer and the event stream", async () => {
  const controller = new AbortController()
  const events = await app.request("/event", { signal: controller.signal })
  const seen: string[] = []
  const failed = Promise.withResolvers<void>()
  void readEvents(events.body!, (event) => {
    seen.push(JSON.stringify(event))
    if (seen.at(-1)!.includes("invalid api key")) failed.resolve()
  }).catch(() => {})
  const session = (await (await app.request("/session", json({ title: `about ${ORG}` }))).json()) as { id: string }
  const reply = await app.request(`/session/${session.id}/message`, json({ parts: [{ type: "text", text: "fail" }] }))
  const answer = await reply.text()
  expect(answer).toContain("[redacted]")
  expect(leaks(answer)).toEqual([])
  const messages = await (await app.request(`/session/${session.id}/message`)).text()
  expect(messages).toContain("invalid api key [redacted]")
  expect(leaks(messages)).toEqual([])
  await failed.promise
  controller.abort()
  expect(seen.join("\n")).toContain(`about [redacted]`)
  expect(leaks(seen.join("\n"))).toEqual([])
})
