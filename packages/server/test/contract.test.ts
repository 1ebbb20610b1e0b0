import { afterAll, expect, test } from "bun:test"
import path from "node:path"
import { testEngine } from "@tandem/testing/fixture"
import { createApp } from "../src/app"

// The OpenAPI document is generated from the contracts the routes carry; these tests hold it
// against what the app really answers. No route is left undocumented on purpose.
const { engine } = testEngine({ responder: () => ({ text: "hi" }) })
const app = createApp(engine)
afterAll(() => engine.close())

type Doc = { paths: Record<string, Record<string, { operationId: string; parameters: { name: string }[] }>> }
const doc = async () => (await app.request("/doc")).json() as Promise<Doc>

/** `get /session/{sessionID}` for each operation of the document. */
const documented = (paths: Doc["paths"]) =>
  Object.entries(paths).flatMap(([route, operations]) => Object.keys(operations).map((method) => `${method} ${route}`))

test("every registered route is documented in /doc and every documented route is registered", async () => {
  // Hono lists each handler of a route, middleware included; "ALL" entries are app-wide middleware.
  const registered = app.routes
    .filter((route) => route.method !== "ALL")
    .map((route) => `${route.method.toLowerCase()} ${route.path.replace(/:(\w+)/g, "{$1}")}`)
  expect(registered.length).toBeGreaterThan(40)
  expect([...new Set(registered)].sort()).toEqual(documented((await doc()).paths).sort())
})

test("operation ids are unique and opencode 1.18.33's wherever opencode has the route", async () => {
  // [method, path, operationId] of every operation in opencode 1.18.33's OpenAPI document.
  const reference = (await Bun.file(
    path.join(import.meta.dir, "fixtures", "opencode-1.18.33-operations.json"),
  ).json()) as [string, string, string][]
  const upstream = new Map(reference.map(([method, route, id]) => [`${method} ${route}`, id]))
  const { paths } = await doc()
  const ids = Object.values(paths).flatMap((operations) => Object.values(operations).map((op) => op.operationId))
  expect(new Set(ids).size).toBe(ids.length)
  const shared = documented(paths).filter((key) => upstream.has(key))
  expect(shared.length).toBeGreaterThan(30)
  for (const key of shared) {
    const [method, route] = key.split(" ") as [string, string]
    expect({ key, id: paths[route]![method]!.operationId }).toEqual({ key, id: upstream.get(key)! })
  }
})

test("query parameters are documented from the validators that check them", async () => {
  const { paths } = await doc()
  expect(paths["/session"]!.get!.parameters.map((p) => p.name)).toEqual(["roots", "limit", "search", "directory"])
  expect(paths["/session/{sessionID}/message"]!.get!.parameters.map((p) => p.name)).toEqual([
    "sessionID",
    "limit",
    "directory",
  ])
})
