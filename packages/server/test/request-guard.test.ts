import { afterAll, expect, test } from "bun:test"
import { testEngine } from "@tandem/testing/fixture"
import { createApp } from "../src/app"
import { passwordMatches } from "../src/request-guard"

const { engine } = testEngine({
  responder: () => ({ text: "ok" }),
  config: { tandem: { server: { cors: ["https://allowed.example"], hosts: ["tandem.lan"], max_body_bytes: 4096 } } },
})
afterAll(() => engine.close())
const app = createApp(engine, { hostname: "127.0.0.1" })
const sessions = () => engine.store.listSessions().length
type ErrorBody = { name: string; data: { message: string } }
const error = async (res: Response) => (await res.json()) as ErrorBody

const post = (headers: Record<string, string>, body = JSON.stringify({ title: "x" })) =>
  app.request("http://127.0.0.1:4096/session", { method: "POST", body, headers })

test("only loopback names, the listening hostname and configured hosts are served", async () => {
  for (const host of ["localhost:4096", "127.0.0.1:4096", "127.0.0.2", "[::1]:4096", "tandem.lan", "LOCALHOST"])
    expect((await app.request("http://x/path", { headers: { host } })).status).toBe(200)
  for (const host of ["evil.example", "evil.example:4096", "127.0.0.1.evil.example", "10.0.0.5"]) {
    const res = await app.request("http://x/path", { headers: { host } })
    expect(res.status).toBe(403)
    expect((await error(res)).data.message).toContain("is not served")
  }
  const everywhere = createApp(engine, { hostname: "0.0.0.0" })
  expect((await everywhere.request("http://x/path", { headers: { host: "10.0.0.5:4096" } })).status).toBe(200)
  expect((await everywhere.request("http://x/path", { headers: { host: "rebound.example" } })).status).toBe(403)
})

test("a page of another origin cannot change state, whatever content type it sends", async () => {
  const before = sessions()
  for (const headers of <Record<string, string>[]>[
    { origin: "https://evil.example", "content-type": "text/plain" },
    { origin: "https://evil.example", "content-type": "application/json" },
    { origin: "null", "content-type": "application/json" },
    { "sec-fetch-site": "cross-site", "content-type": "application/json" },
  ]) {
    const res = await post(headers)
    expect(res.status).toBe(403)
    expect((await error(res)).name).toBe("ForbiddenOrigin")
  }
  expect(sessions()).toBe(before)
  expect((await post({ origin: "http://127.0.0.1:4096", "content-type": "application/json" })).status).toBe(200)
  expect(sessions()).toBe(before + 1)
})

test("origins in tandem.server.cors get CORS headers and may change state", async () => {
  const preflight = await app.request("http://127.0.0.1:4096/session", {
    method: "OPTIONS",
    headers: { origin: "https://allowed.example", "access-control-request-headers": "content-type" },
  })
  expect(preflight.status).toBe(204)
  expect(preflight.headers.get("access-control-allow-origin")).toBe("https://allowed.example")
  const res = await post({ origin: "https://allowed.example", "content-type": "application/json" })
  expect(res.status).toBe(200)
  expect(res.headers.get("access-control-allow-origin")).toBe("https://allowed.example")
  const other = await app.request("http://127.0.0.1:4096/path", { headers: { origin: "https://evil.example" } })
  expect(other.headers.get("access-control-allow-origin")).toBeNull()
})

test("bodies must be JSON and within the size limit, and the answer says which rule was broken", async () => {
  const before = sessions()
  const plain = await post({ "content-type": "text/plain" })
  expect(plain.status).toBe(415)
  expect((await error(plain)).data.message).toContain("must be JSON")
  const large = await post({ "content-type": "application/json" }, JSON.stringify({ title: "x".repeat(5000) }))
  expect(large.status).toBe(413)
  expect((await error(large)).data.message).toContain("over the limit of 4096")
  const streamed = await app.request("http://127.0.0.1:4096/session", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: new Blob([JSON.stringify({ title: "y".repeat(5000) })]).stream(),
  })
  expect(streamed.status).toBe(413)
  expect(sessions()).toBe(before)
})

test("a body without a length is counted as it arrives: an endless one is cut off at the limit, a small one is served", async () => {
  let pulled = 0
  const endless = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulled += 1024
      controller.enqueue(new TextEncoder().encode(" ".repeat(1024)))
    },
  })
  const cut = await app.request("http://127.0.0.1:4096/session", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: endless,
  })
  expect(cut.status).toBe(413)
  expect((await error(cut)).data.message).toContain("over the limit of 4096")
  expect(pulled).toBeLessThan(64 * 1024)
  const small = await app.request("http://127.0.0.1:4096/session", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: new Blob([JSON.stringify({ title: "streamed title" })]).stream(),
  })
  expect(small.status).toBe(200)
  expect(((await small.json()) as { title: string }).title).toBe("streamed title")
})

test("the password comparison is by digest, so its time does not reveal where a guess differs", () => {
  expect(passwordMatches("secret", "secret")).toBe(true)
  expect(passwordMatches("secreT", "secret")).toBe(false)
  expect(passwordMatches("", "secret")).toBe(false)
  expect(passwordMatches("a much longer guess than the password", "secret")).toBe(false)
})

test("a session title over the limit is a 400 that names the field, and nothing is stored", async () => {
  const before = sessions()
  const res = await app.request("/session", {
    method: "POST",
    body: JSON.stringify({ title: "t".repeat(2000) }),
    headers: { "content-type": "application/json" },
  })
  expect(res.status).toBe(400)
  expect((await error(res)).data.message).toContain("title is longer than 1024 characters")
  expect(sessions()).toBe(before)
})
