import { Hono, type Context } from "hono"
import { streamSSE } from "hono/streaming"
import { ascending } from "@tandem/core/id/id"
import type { Engine } from "@tandem/core/engine"
import type { Envelope } from "@tandem/core/bus/bus"
import { describe, ref } from "../contract"
import { ServerConnected, ServerHeartbeat } from "../events"

/** How often an idle event stream sends `server.heartbeat`. */
export const HEARTBEAT_MS = 10_000

function stream(c: Context, engine: Engine, heartbeatMs: number, wrap: (event: Envelope & { id: string }) => unknown) {
  return streamSSE(c, async (sse) => {
    const queue: string[] = []
    let wake: (() => void) | undefined
    const serialise = (event: Envelope) =>
      JSON.stringify(engine.secrets.maskJson(wrap({ id: ascending("event"), ...event })))
    const send = (data: string) => {
      queue.push(data)
      wake?.()
    }
    const push = (event: Envelope) => send(serialise(event))
    // A client hears of a write only once it is committed: serialised now (the event's objects
    // may change later), sent after the loop turn's commit (see WriteGroup).
    const committed = (event: Envelope) => {
      const data = serialise(event)
      engine.writes.after(() => send(data))
    }
    push({ type: ServerConnected.name, properties: {} })
    const off = engine.bus.subscribe(committed)
    const heartbeat = setInterval(() => push({ type: ServerHeartbeat.name, properties: {} }), heartbeatMs)
    let closed = false
    sse.onAbort(() => {
      closed = true
      wake?.()
    })
    try {
      while (!closed) {
        while (queue.length && !closed) await sse.writeSSE({ data: queue.shift()! })
        if (closed) break
        await new Promise<void>((resolve) => (wake = resolve))
        wake = undefined
      }
    } finally {
      clearInterval(heartbeat)
      off()
    }
  })
}

/** `GET /event` (this project's events) and `GET /global/event` (wrapped with the directory). */
export function eventRoutes(engine: Engine, heartbeatMs = HEARTBEAT_MS) {
  return new Hono()
    .get(
      "/event",
      describe({ id: "event.subscribe", summary: "Server-sent events", response: ref("Event"), stream: true }),
      (c) => stream(c, engine, heartbeatMs, (event) => event),
    )
    .get(
      "/global/event",
      describe({
        id: "global.event",
        summary: "Server-sent events with directory",
        response: ref("GlobalEvent"),
        stream: true,
      }),
      (c) => stream(c, engine, heartbeatMs, (payload) => ({ directory: engine.directory, payload })),
    )
}
