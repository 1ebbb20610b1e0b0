/** What a scripted stream body writes: server-sent events, raw text, or nothing more. */
export type EventWriter = {
  /** Sends one event as JSON data; `name` becomes its `event:` line when given. */
  send(name: string | undefined, data: unknown): void
  /** Sends text as it is, for a malformed event. */
  raw(text: string): void
}

/**
 * A `text/event-stream` response whose body `write` produces. `write` resolving to `"reset"` breaks the
 * connection instead of ending the stream; anything it throws (an aborted request) just ends the body.
 */
export function eventStreamResponse(write: (out: EventWriter) => Promise<"reset" | void>) {
  const encoder = new TextEncoder()
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      const out: EventWriter = {
        send(name, data) {
          const event = name ? `event: ${name}\n` : ""
          controller.enqueue(encoder.encode(`${event}data: ${JSON.stringify(data)}\n\n`))
        },
        raw(text) {
          controller.enqueue(encoder.encode(text))
        },
      }
      try {
        if ((await write(out)) === "reset")
          return controller.error(new Error("connection reset by the scripted server"))
        controller.close()
      } catch {
        // The client went away mid-stream (the stream may be cancelled already): nobody is left to tell.
        try {
          controller.close()
        } catch {}
      }
    },
  })
  return new Response(body, { headers: { "content-type": "text/event-stream", "cache-control": "no-cache" } })
}
