import { afterAll, expect, test } from "bun:test"
import fc from "fast-check"
import { testEngine } from "@tandem/testing/fixture"
import { queue, type Turn } from "@tandem/testing/script"
import type { ToolPart } from "@tandem/core/session/message"
import { createApp } from "../src/app"

// Hostile input: random and malformed bodies, ids, query strings and tool arguments. Never a
// 5xx, never a crash, never a corrupted store; every refusal says what is wrong.

const { engine, directory } = testEngine({ responder: () => ({ text: "fine" }) })
const app = createApp(engine)
afterAll(() => engine.close())

const known = engine.store.createSession({ directory, title: "fuzz target" })

const routes: [string, (id: string) => string][] = [
  ["POST", () => "/session"],
  ["GET", () => "/session"],
  ["GET", (id) => `/session/${id}`],
  ["PATCH", (id) => `/session/${id}`],
  ["GET", (id) => `/session/${id}/children`],
  ["POST", (id) => `/session/${id}/abort`],
  ["GET", (id) => `/session/${id}/message`],
  ["POST", (id) => `/session/${id}/message`],
  ["POST", (id) => `/session/${id}/prompt_async`],
  ["GET", (id) => `/session/${id}/message/${id}`],
  ["GET", (id) => `/session/${id}/task`],
  ["GET", (id) => `/task/${id}`],
  ["POST", (id) => `/task/${id}/cancel`],
  ["POST", (id) => `/permission/${id}/reply`],
  ["POST", (id) => `/session/${id}/permissions/${id}`],
  ["POST", (id) => `/experimental/session/${id}/background`],
]

const ids = fc.oneof(
  fc.constant(known.id),
  fc.string(),
  fc.constantFrom("ses_", "ses_missing", "tsk_", "per_x", "msg_", "..", "%00", "%2e%2e%2f", "a".repeat(2000)),
  fc.stringMatching(/^[a-z]{3}_[A-Za-z0-9]{0,30}$/),
)

const bodies = fc.oneof(
  fc.string(),
  fc.json(),
  fc.constantFrom(
    "",
    "{",
    "null",
    "[]",
    '{"parts":null}',
    '{"parts":[{"type":"text"}]}',
    '{"parts":[{"type":"nope","text":1}]}',
  ),
  fc
    .record({
      parts: fc.array(fc.record({ type: fc.constantFrom("text", "file", "agent", "x"), text: fc.anything() }), {
        maxLength: 3,
      }),
      agent: fc.option(fc.string()),
      model: fc.option(fc.anything()),
    })
    .map((v) => JSON.stringify(v)),
  fc
    .record({ title: fc.anything(), parentID: fc.anything(), reply: fc.anything(), response: fc.anything() })
    .map((v) => JSON.stringify(v)),
)

const queries = fc.dictionary(fc.constantFrom("limit", "roots", "search", "directory", "x"), fc.string(), {
  maxKeys: 3,
})

test("routes never answer 5xx or crash on random ids, bodies and query strings", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 0, max: routes.length - 1 }),
      ids,
      bodies,
      queries,
      async (index, id, body, query) => {
        const [method, path] = routes[index]!
        const search = new URLSearchParams(query).toString()
        let url: string
        try {
          url = path(encodeURIComponent(id)) + (search ? `?${search}` : "")
        } catch {
          return
        }
        const res = await app.request(url, {
          method,
          body: method === "GET" ? undefined : body,
          headers: { "content-type": "application/json" },
        })
        expect(res.status).toBeLessThan(500)
        if (res.status >= 400) {
          const error = (await res.json()) as { name: string; data: { message: string } }
          expect(error.data.message.length).toBeGreaterThan(0)
        } else await res.arrayBuffer()
      },
    ),
    { numRuns: 600, seed: 20261124 },
  )
  await engine.runner.settle()
  expect(engine.store.integrityCheck()).toBe("ok")
  expect((await app.request(`/session/${known.id}`)).status).toBe(200)
}, 120_000)

test("tools never crash on random arguments: each call ends completed or with an error part", async () => {
  const names = [
    "read",
    "write",
    "edit",
    "bash",
    "glob",
    "grep",
    "list",
    "task",
    "task_status",
    "task_cancel",
    "no_such_tool",
  ]
  const calls = await fc.sample(
    fc.record({
      name: fc.constantFrom(...names),
      input: fc.dictionary(
        fc.constantFrom(
          "filePath",
          "content",
          "oldString",
          "newString",
          "command",
          "pattern",
          "path",
          "description",
          "prompt",
          "subagent_type",
          "task_id",
          "timeout",
          "wait",
          "background",
          "offset",
          "limit",
        ),
        fc.oneof(
          fc.string({ maxLength: 20 }),
          fc.integer(),
          fc.boolean(),
          fc.constant(null),
          fc.constant("../../etc/passwd"),
        ),
      ),
    }),
    { numRuns: 120, seed: 7 },
  )
  const turns: Turn[] = [{ toolCalls: calls.map((call, i) => ({ ...call, id: `fuzz_${i}` })) }, { text: "survived" }]
  const harness = testEngine({
    responder: queue(turns),
    interactive: false,
    config: { permission: { bash: "deny", external_directory: "deny" } },
  })
  const session = harness.engine.store.createSession({ directory: harness.directory })
  const reply = await harness.engine.runner.prompt(session.id, { parts: [{ type: "text", text: "go" }] })
  expect(reply.parts.find((p) => p.type === "text")).toMatchObject({ text: "survived" })
  const parts = harness.engine.store
    .messages(session.id)
    .flatMap((m) => m.parts)
    .filter((p): p is ToolPart => p.type === "tool")
  expect(parts).toHaveLength(calls.length)
  for (const part of parts) expect(["completed", "error"]).toContain(part.state.status)
  expect(parts.filter((p) => p.tool === "no_such_tool").every((p) => p.state.status === "error")).toBe(true)
  await harness.engine.close()
}, 120_000)
