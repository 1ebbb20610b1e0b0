import { afterAll, expect, test } from "bun:test"
import net from "node:net"
import { ProviderTimeoutError, timedFetch } from "../../src/provider/timed-fetch"

// A raw TCP server so the test controls exactly when headers and body bytes go out.
type Behaviour = "silent" | "headers-only" | "one-chunk-then-silent" | "slow-but-steady"
const sockets = new Set<net.Socket>()
const server = net.createServer((socket) => {
  sockets.add(socket)
  socket.on("error", () => {})
  socket.once("data", (data) => {
    const behaviour = /GET \/(\S+)/.exec(data.toString())?.[1] as Behaviour
    const head = "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n"
    const chunk = (text: string) => `${text.length.toString(16)}\r\n${text}\r\n`
    if (behaviour === "silent") return
    socket.write(head)
    if (behaviour === "one-chunk-then-silent") socket.write(chunk("first"))
    if (behaviour === "slow-but-steady") {
      let sent = 0
      const timer = setInterval(() => {
        socket.write(chunk(`piece${sent}`))
        if (++sent === 5) {
          clearInterval(timer)
          socket.end("0\r\n\r\n")
        }
      }, 40)
    }
  })
})
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
const base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`
afterAll(() => {
  for (const socket of sockets) socket.destroy()
  server.close()
})

const deadlines = { headersMs: 150, chunkMs: 150 }

test("a provider that never sends response headers is abandoned with a timeout", async () => {
  const error = await timedFetch(deadlines)(`${base}/silent`).catch((e: unknown) => e)
  expect(error).toBeInstanceOf(ProviderTimeoutError)
  expect((error as Error).message).toContain("no response headers for 150 ms")
})

test("a body that never starts, or stops after its first chunk, is abandoned", async () => {
  for (const path of ["headers-only", "one-chunk-then-silent"]) {
    const response = await timedFetch(deadlines)(`${base}/${path}`)
    expect(response.status).toBe(200)
    const error = await response.text().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ProviderTimeoutError)
    expect((error as Error).name).toBe("TimeoutError")
  }
})

test("a slow stream whose chunks each come within the deadline is read whole", async () => {
  const response = await timedFetch(deadlines)(`${base}/slow-but-steady`)
  expect(await response.text()).toBe("piece0piece1piece2piece3piece4")
})

test("the caller's own abort still ends the request as an abort, not a timeout", async () => {
  const controller = new AbortController()
  const pending = timedFetch({ headersMs: 5000, chunkMs: 5000 })(`${base}/silent`, { signal: controller.signal })
  controller.abort()
  const error = await pending.catch((e: unknown) => e)
  expect(error).not.toBeInstanceOf(ProviderTimeoutError)
})
