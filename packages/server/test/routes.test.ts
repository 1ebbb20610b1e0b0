import { afterAll, expect, test } from "bun:test"
import { testEngine } from "@tandem/testing/fixture"
import { gate, lastUser } from "@tandem/testing/script"
import { PermissionAsked } from "@tandem/core/permission/permission"
import { SessionIdle } from "@tandem/core/session/events"
import { createApp } from "../src/app"
import { readUntil } from "@tandem/testing/read-until"

const held = gate()
const { engine, directory } = testEngine({
  config: { permission: { bash: "ask" } },
  responder: async (request) => {
    const said = lastUser(request)
    if (said === "slow") {
      await held.promise
      return { text: "slow done" }
    }
    if (said === "shell" && request.messages.at(-1)?.role === "user")
      return { toolCalls: [{ name: "bash", input: { command: "echo hi", description: "echo" } }] }
    return { text: `echo: ${said}` }
  },
})
const app = createApp(engine)
afterAll(() => engine.close())

/** Response bodies are asserted on, not typed: tests read them as loose JSON. */
const read = async (res: Response | Promise<Response>): Promise<any> => (await res).json()
const json = (body: unknown) => ({
  method: "POST",
  body: JSON.stringify(body),
  headers: { "content-type": "application/json" },
})

test("sessions: create, get, list, patch, children, delete; unknown ids are 404, malformed ones 400", async () => {
  const parent = await read(app.request("/session", json({ title: "parent" })))
  expect(parent).toMatchObject({ title: "parent", directory, version: expect.any(String) })
  const child = await read(app.request("/session", json({ parentID: parent.id })))
  expect(child.parentID).toBe(parent.id)
  expect((await app.request(`/session/${parent.id}`)).status).toBe(200)
  expect(await read(app.request(`/session/${parent.id}/children`))).toHaveLength(1)
  const roots = await read(app.request("/session?roots=true"))
  expect(roots.map((s: { id: string }) => s.id)).toContain(parent.id)
  expect(roots.map((s: { id: string }) => s.id)).not.toContain(child.id)
  const elsewhere = engine.store.createSession({ directory: "/another/project" })
  expect((await read(app.request("/session"))).map((s: { id: string }) => s.id)).not.toContain(elsewhere.id)
  const patched = await read(app.request(`/session/${parent.id}`, { ...json({ title: "renamed" }), method: "PATCH" }))
  expect(patched.title).toBe("renamed")
  expect((await app.request("/session/ses_doesnotexist")).status).toBe(404)
  const bad = await app.request("/session/nope")
  expect(bad.status).toBe(400)
  expect(await read(bad)).toMatchObject({
    name: "BadRequest",
    data: { message: expect.stringContaining("session id") },
  })
  expect(await read(app.request(`/session/${parent.id}`, { method: "DELETE" }))).toBe(true)
  expect((await app.request(`/session/${child.id}`)).status).toBe(404)
})

test("bodies are validated: malformed JSON and wrong shapes get a 400 that says what is wrong", async () => {
  const session = await read(app.request("/session", json({})))
  const broken = await app.request(`/session/${session.id}/message`, {
    method: "POST",
    body: "{not json",
    headers: { "content-type": "application/json" },
  })
  expect(broken.status).toBe(400)
  expect((await read(broken)).data.message).toContain("not valid JSON")
  const wrong = await app.request(`/session/${session.id}/message`, json({ parts: [{ type: "text" }] }))
  expect(wrong.status).toBe(400)
  expect((await read(wrong)).data.message).toContain("parts")
  const agent = await app.request(
    `/session/${session.id}/message`,
    json({ agent: "nobody", parts: [{ type: "text", text: "x" }] }),
  )
  expect(agent.status).toBe(400)
  expect((await read(agent)).data.message).toContain("nobody")
  const model = await app.request(
    `/session/${session.id}/message`,
    json({ model: { providerID: "nope", modelID: "x" }, parts: [{ type: "text", text: "x" }] }),
  )
  expect(model.status).toBe(400)
  expect((await app.request("/no/such/route")).status).toBe(404)
})

const jsonType = { "content-type": "application/json" }

test("validators and the session loader answer before the handler, in opencode's error shape", async () => {
  const session = engine.store.createSession({ directory })
  const cases: [string, RequestInit, number, string][] = [
    ["/session/nope/children", {}, 400, "is not a session id"],
    ["/session/ses_missing/children", {}, 404, "session ses_missing not found"],
    ["/session/ses_missing/task", {}, 404, "session ses_missing not found"],
    ["/experimental/session/ses_missing/background", { method: "POST" }, 404, "not found"],
    ["/task/nope/cancel", { method: "POST" }, 400, '"nope" is not a task id'],
    [`/session/${session.id}/message?limit=-1`, {}, 400, "limit"],
    ["/session?limit=zero", {}, 400, "limit"],
    [`/session/${session.id}`, { method: "PATCH", body: '{"title":1}', headers: jsonType }, 400, "title"],
    // An unknown session is reported before a bad body is looked at.
    ["/session/ses_missing", { method: "PATCH", body: "{", headers: jsonType }, 404, "not found"],
  ]
  for (const [url, init, status, message] of cases) {
    const res = await app.request(url, init)
    const body = await read(res)
    const name = status === 400 ? "BadRequest" : "NotFoundError"
    expect({ url, status: res.status, name: body.name }).toEqual({ url, status, name })
    expect(body.data.message).toContain(message)
  }
})

test("prompt waits and returns {info, parts}; messages read back", async () => {
  const session = await read(app.request("/session", json({})))
  const reply = await read(
    app.request(`/session/${session.id}/message`, json({ parts: [{ type: "text", text: "hi" }] })),
  )
  expect(reply.info).toMatchObject({ role: "assistant", sessionID: session.id })
  expect(reply.parts.find((p: { type: string }) => p.type === "text").text).toBe("echo: hi")
  const messages = await read(app.request(`/session/${session.id}/message`))
  expect(messages).toHaveLength(2)
  const one = await read(app.request(`/session/${session.id}/message/${reply.info.id}`))
  expect(one.info.id).toBe(reply.info.id)
  expect((await app.request(`/session/${session.id}/message/msg_missing`)).status).toBe(404)
})

test("prompt_async answers 204 at once; status shows busy; abort stops the turn", async () => {
  const session = await read(app.request("/session", json({})))
  const res = await app.request(
    `/session/${session.id}/prompt_async`,
    json({ parts: [{ type: "text", text: "slow" }] }),
  )
  expect(res.status).toBe(204)
  expect((await read(app.request("/session/status")))[session.id]).toEqual({ type: "busy" })
  const idle = engine.bus.once(SessionIdle, (e) => e.sessionID === session.id)
  expect(await read(app.request(`/session/${session.id}/abort`, { method: "POST" }))).toBe(true)
  await idle
  const messages = await read(app.request(`/session/${session.id}/message`))
  expect(messages.at(-1).info.error.name).toBe("MessageAbortedError")
  held.release()
})

test("permission requests are listed and answered through both reply routes", async () => {
  const session = await read(app.request("/session", json({})))
  const asked = engine.bus.once(PermissionAsked)
  const reply = app.request(`/session/${session.id}/message`, json({ parts: [{ type: "text", text: "shell" }] }))
  const request = await asked
  expect(await read(app.request("/permission"))).toEqual([expect.objectContaining({ id: request.id })])
  expect((await app.request("/permission/per_missing/reply", json({ reply: "once" }))).status).toBe(404)
  expect((await app.request(`/permission/${request.id}/reply`, json({ reply: "maybe" }))).status).toBe(400)
  expect(
    (await app.request(`/session/${session.id}/permissions/${request.id}`, json({ response: "once" }))).status,
  ).toBe(200)
  expect((await read(reply)).info.role).toBe("assistant")
})

test("/doc is OpenAPI generated from the schemas, with every event in the union", async () => {
  const doc = await read(app.request("/doc"))
  expect(doc.openapi).toStartWith("3.1")
  expect(doc.paths["/session/{sessionID}/message"].post.requestBody.content["application/json"].schema.$ref).toBe(
    "#/components/schemas/PromptInput",
  )
  for (const name of ["Session", "UserMessage", "AssistantMessage", "ToolPart", "Task", "PermissionRequest", "Event"])
    expect(doc.components.schemas[name]).toBeDefined()
  const union = doc.components.schemas.Event.anyOf.map((r: { $ref: string }) => r.$ref)
  for (const name of [
    "EventSessionCreated",
    "EventMessagePartDelta",
    "EventPermissionAsked",
    "EventTaskCreated",
    "EventTaskProgress",
    "EventTaskDelivered",
  ])
    expect(union).toContain(`#/components/schemas/${name}`)
})

test("with a password every route, SSE included, needs HTTP Basic auth", async () => {
  const locked = createApp(engine, { password: "pw" })
  expect((await locked.request("/session")).status).toBe(401)
  expect((await locked.request("/event")).status).toBe(401)
  const auth = { headers: { authorization: `Basic ${btoa("opencode:pw")}` } }
  expect((await locked.request("/session", auth)).status).toBe(200)
  expect(
    (await locked.request("/session", { headers: { authorization: `Basic ${btoa("opencode:wrong")}` } })).status,
  ).toBe(401)
})

test("agents, providers, path and capabilities", async () => {
  const agents = await read(app.request("/agent"))
  expect(agents.map((a: { name: string }) => a.name)).toEqual(expect.arrayContaining(["build", "plan", "general"]))
  const providers = await read(app.request("/config/providers"))
  expect(providers.default).toEqual({ scripted: "test" })
  expect((await read(app.request("/path"))).directory).toBe(directory)
  expect(await read(app.request("/experimental/capabilities"))).toEqual({ backgroundSubagents: true })
})

test("/global/event wraps each event with the directory; idle streams get heartbeats; a closed client unsubscribes", async () => {
  const listeners = engine.bus.size
  const live = createApp(engine, { heartbeatMs: 20 })
  const abort = new AbortController()
  const res = await live.request("/global/event", { signal: abort.signal })
  expect(res.headers.get("content-type")).toContain("text/event-stream")
  const reader = res.body!.getReader()
  const frames: { directory: string; payload: { id: string; type: string } }[] = []
  let buffer = ""
  const next = async () => {
    buffer = await readUntil(reader, (text) => text.includes("\n\n"), buffer)
    const end = buffer.indexOf("\n\n")
    const frame = buffer.slice(0, end)
    buffer = buffer.slice(end + 2)
    frames.push(JSON.parse(frame.replace(/^data: ?/m, "")))
    return frames.at(-1)!
  }
  expect(await next()).toMatchObject({ directory, payload: { type: "server.connected" } })
  expect(engine.bus.size).toBe(listeners + 1)
  await app.request("/session", json({ title: "seen on the stream" }))
  let created
  while (!(created = frames.find((f) => f.payload.type === "session.created"))) await next()
  expect(created.payload.id).toStartWith("evt_")
  while (!frames.some((f) => f.payload.type === "server.heartbeat")) await next()
  abort.abort()
  await reader.cancel().catch(() => {})
  for (let i = 0; i < 50 && engine.bus.size > listeners; i++) await new Promise((r) => setTimeout(r, 10))
  expect(engine.bus.size).toBe(listeners)
})

test("moving a session's foreground tasks to the background answers a boolean, as opencode's", async () => {
  const session = engine.store.createSession({ directory })
  const res = await app.request(`/experimental/session/${session.id}/background`, { method: "POST" })
  expect(res.status).toBe(200)
  expect(await res.json()).toBe(false)
})
