import { afterAll, expect, test } from "bun:test"
import path from "node:path"
import { record, testEngine } from "@tandem/testing/fixture"
import { SessionError } from "@tandem/core/session/events"
import { createApp } from "../src/app"

// A route of opencode's API that Tandem does not serve answers 501 with a named error whose
// message opencode's clients show, never a bare 404; a path opencode does not have stays a 404.
const { engine, directory } = testEngine({ responder: () => ({ text: "hi" }) })
const app = createApp(engine)
afterAll(() => engine.close())

const fixture = (name: string) => Bun.file(path.join(import.meta.dir, "fixtures", name)).json()
type Named = { name: string; data: { message: string } }

test("every route the attached TUI calls is served or answers NotImplementedError", async () => {
  const session = engine.store.createSession({ directory })
  const routes = ((await fixture("opencode-1.18.33-tui-attach-routes.json")) as [string, number][]).map(([r]) => r)
  const unserved: string[] = []
  for (const route of routes) {
    const [method, template] = route.split(" ") as [string, string]
    if (template.endsWith("/event") || method !== "GET") continue
    const res = await app.request(template.replace(":sid", session.id))
    if (res.status === 200) continue
    const body = (await res.json()) as Named
    expect({ route, status: res.status, name: body.name }).toEqual({ route, status: 501, name: "NotImplementedError" })
    expect(body.data.message).toContain(template.startsWith("/api/") ? "v2 API" : "not supported")
    unserved.push(template)
  }
  expect(unserved).toContain("/api/model")
  expect(unserved).toContain("/project/global/directories")
})

test("no GET route of opencode's document answers a bare 'no route' 404", async () => {
  const operations = (await fixture("opencode-1.18.33-operations.json")) as [string, string, string][]
  const gets = operations.filter(([method, route]) => method === "get" && !/event|connect|\*/.test(route))
  expect(gets.length).toBeGreaterThan(40)
  for (const [, route, id] of gets) {
    const res = await app.request(route.replace(/\{(\w+)\}/g, "x"))
    if (res.status !== 404) {
      await res.body?.cancel()
      continue
    }
    const body = (await res.json()) as Named
    expect({ id, bare: body.data.message.startsWith("no route") }).toEqual({ id, bare: false })
  }
})

test("sharing answers 501 naming the operation, also as the session's session.error; a path opencode does not have is still 404", async () => {
  const session = engine.store.createSession({ directory })
  const errors = record(engine.bus, SessionError)
  const share = await app.request(`/session/${session.id}/share`, { method: "POST" })
  expect(share.status).toBe(501)
  expect(((await share.json()) as Named).data.message).toContain("session.share is not supported")
  expect(errors).toEqual([
    {
      sessionID: session.id,
      error: { name: "UnknownError", data: { message: expect.stringContaining("session.share is not supported") } },
    },
  ])
  const unshare = await app.request(`/session/${session.id}/share`, { method: "DELETE" })
  expect(unshare.status).toBe(501)
  const nowhere = await app.request("/no/such/route")
  expect(nowhere.status).toBe(404)
  expect(await nowhere.json()).toEqual({ name: "NotFoundError", data: { message: "no route GET /no/such/route" } })
})
