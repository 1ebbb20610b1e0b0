import { afterAll, expect, test } from "bun:test"
import fc from "fast-check"
import { testEngine } from "@tandem/testing/fixture"
import { ascending } from "@tandem/core/id/id"
import { createApp } from "../src/app"

const { engine } = testEngine({ responder: () => ({ text: "ok" }) })
afterAll(() => engine.close())
const app = createApp(engine)

type Message = { info: { id: string; sessionID: string }; parts: { id: string; type: string; text?: string }[] }
const post = (route: string, body: unknown) =>
  app.request(route, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } })
const newSession = async () => ((await (await post("/session", {})).json()) as { id: string }).id
const messages = async (sessionID: string) =>
  (await (await app.request(`/session/${sessionID}/message`)).json()) as Message[]
const say = (text: string, extra: Record<string, unknown> = {}) => ({ parts: [{ type: "text", text }], ...extra })

test("a message or part id of another session is refused with 409 and that session is untouched", async () => {
  const a = await newSession()
  const b = await newSession()
  expect((await post(`/session/${a}/message`, say("hello a"))).status).toBe(200)
  const before = await messages(a)
  const [user] = before
  const taken = [
    { ...say("stolen"), messageID: user!.info.id },
    { parts: [{ type: "text", text: "stolen", id: user!.parts[0]!.id }] },
    { parts: [{ type: "text", text: "stolen", id: before[1]!.parts.at(-1)!.id }] },
  ]
  for (const body of taken) {
    const res = await post(`/session/${b}/message`, body)
    expect(res.status).toBe(409)
    expect(((await res.json()) as { data: { message: string } }).data.message).toContain("already exists")
  }
  expect(await messages(a)).toEqual(before)
  expect(await messages(b)).toEqual([])
})

test("a message id from the future, from before the session's last message, or malformed is a 400", async () => {
  const session = await newSession()
  const old = ascending("message", Date.now() - 60_000)
  expect((await post(`/session/${session}/message`, say("first"))).status).toBe(200)
  for (const messageID of ["msg_ffffffffffffzzzzzzzzzzzzzz", old, "msg_nothex", "msg_0123456789abXYZ"]) {
    const res = await post(`/session/${session}/message`, say("odd", { messageID }))
    expect(res.status).toBe(400)
  }
  const malformedPart = await post(`/session/${session}/message`, {
    parts: [{ type: "text", text: "x", id: "prt_short" }],
  })
  expect(malformedPart.status).toBe(400)
  expect(await messages(session)).toHaveLength(2)
})

test("fresh client ids are kept as given and the loop answers once", async () => {
  const session = await newSession()
  const messageID = ascending("message")
  const partID = ascending("part")
  const res = await post(`/session/${session}/message`, {
    messageID,
    parts: [{ type: "text", text: "mine", id: partID }],
  })
  expect(res.status).toBe(200)
  const [user, reply] = await messages(session)
  expect(user!.info.id).toBe(messageID)
  expect(user!.parts[0]!.id).toBe(partID)
  expect(reply!.parts.some((p) => p.type === "text" && p.text === "ok")).toBe(true)
})

test("property: whatever ids a client sends, no other session's rows change and the store stays intact", async () => {
  const victim = await newSession()
  await post(`/session/${victim}/message`, say("keep me"))
  const before = JSON.stringify(await messages(victim))
  const existing = (await messages(victim)).flatMap((m) => [m.info.id, ...m.parts.map((p) => p.id)])
  const id = fc.oneof(
    fc.constantFrom(...existing),
    fc.string().map((s) => `msg_${s}`),
    fc.string().map((s) => `prt_${s}`),
    fc.constant(undefined),
  )
  await fc.assert(
    fc.asyncProperty(id, id, async (messageID, partID) => {
      const attacker = await newSession()
      const res = await post(`/session/${attacker}/message`, {
        ...(messageID?.startsWith("msg_") ? { messageID } : {}),
        parts: [{ type: "text", text: "x", ...(partID?.startsWith("prt_") ? { id: partID } : {}) }],
      })
      expect([200, 400, 409]).toContain(res.status)
    }),
    { numRuns: 60 },
  )
  expect(JSON.stringify(await messages(victim))).toBe(before)
  expect(engine.store.integrityCheck()).toBe("ok")
})
