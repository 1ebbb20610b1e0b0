import { afterAll, expect, test } from "bun:test"
import path from "node:path"
import { testEngine } from "@tandem/testing/fixture"
import { createApp } from "../src/app"

// The routes opencode 1.18.33's terminal UI calls when it attaches (a copy of the capture in
// the project's shared reference material). Tandem answers every one outside the v2 `/api/*`
// family, which the UI tolerates missing, and `/project/global/directories`, which has no
// documented shape.
const captured = path.join(import.meta.dir, "fixtures", "opencode-1.18.33-tui-attach-routes.json")
const { engine, directory } = testEngine({ responder: () => ({ text: "hi" }) })
const app = createApp(engine)
afterAll(() => engine.close())

test("every route the attached TUI reads outside /api answers 200 with JSON", async () => {
  const routes = ((await Bun.file(captured).json()) as [string, number][]).map(([route]) => route)
  const session = engine.store.createSession({ directory })
  const wanted = routes.filter(
    (route) => !route.includes(" /api/") && !route.endsWith("/project/global/directories") && !route.startsWith("POST"),
  )
  expect(wanted.length).toBeGreaterThan(15)
  for (const route of wanted) {
    const url = route.split(" ")[1]!.replace(":sid", session.id)
    if (url.endsWith("/event")) continue
    const res = await app.request(url)
    expect({ route, status: res.status }).toEqual({ route, status: 200 })
    await res.json()
  }
  expect(await (await app.request("/project/current")).json()).toMatchObject({ worktree: directory, sandboxes: [] })
})
