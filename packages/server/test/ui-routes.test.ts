import { afterAll, expect, test } from "bun:test"
import { testEngine } from "@tandem/testing/fixture"
import { createApp } from "../src/app"

const { engine } = testEngine({ responder: () => ({ text: "ok" }) })
const app = createApp(engine)
afterAll(() => engine.close())

test("/ui lists the project's root sessions, each linking to its monitor", async () => {
  const root = engine.store.createSession({ directory: engine.directory, title: "Root <b>one</b>" })
  const child = engine.store.createSession({ directory: engine.directory, parentID: root.id, title: "a child" })
  const res = await app.request("/ui")
  expect(res.status).toBe(200)
  expect(res.headers.get("content-type")).toContain("text/html")
  const html = await res.text()
  expect(html).toStartWith("<!doctype html>")
  expect(html).toContain(`href="/ui/session/${root.id}"`)
  expect(html).toContain("Root &lt;b&gt;one&lt;/b&gt;")
  expect(html).not.toContain(child.id)
})

test("/ui/session/:id is the monitor's frame; an unknown session is a 404 page", async () => {
  const session = engine.store.createSession({ directory: engine.directory, title: "watched" })
  const html = await (await app.request(`/ui/session/${session.id}`)).text()
  expect(html).toContain(`data-session="${session.id}"`)
  expect(html).toContain('<script type="module" src="/ui/assets/monitor.js">')
  expect(html).toMatch(/<svg id="timeline" role="img" aria-label="[^"]+"/)
  for (const id of ["ses_doesnotexist", "nope"]) {
    const missing = await app.request(`/ui/session/${id}`)
    expect(missing.status).toBe(404)
    expect(await missing.text()).toContain(`no session <code>${id}</code>`)
  }
})

test("the page's assets are served by the server itself", async () => {
  const script = await app.request("/ui/assets/monitor.js")
  expect(script.status).toBe(200)
  expect(script.headers.get("content-type")).toContain("text/javascript")
  const code = await script.text()
  expect(code).toContain("EventSource")
  // The client imports only types from the engine: no schema library or server code in the bundle.
  expect(code).not.toContain("zod")
  expect(code.length).toBeLessThan(40_000)
  const css = await app.request("/ui/assets/monitor.css")
  expect(css.headers.get("content-type")).toContain("text/css")
  const stylesheet = await css.text()
  expect(stylesheet).toContain("font-variant-numeric: tabular-nums")
  // Both parts of the stylesheet are in the one file: the page's panels and the task table's rows.
  expect(stylesheet).toContain(".panels {")
  expect(stylesheet).toContain('tr[data-state="cancelled"] .badge {')
  expect((await app.request("/ui/assets/favicon.svg")).headers.get("content-type")).toBe("image/svg+xml")
})

test("behind the server password, the page and its assets need the credentials", async () => {
  const guarded = createApp(engine, { password: "pw" })
  for (const path of ["/ui", "/ui/assets/monitor.js"]) {
    expect((await guarded.request(path)).status).toBe(401)
    const ok = await guarded.request(path, { headers: { authorization: `Basic ${btoa("tandem:pw")}` } })
    expect(ok.status).toBe(200)
  }
})
