/** One event as the SSE endpoints send it. */
export type StreamEvent = { type: string; properties: Record<string, unknown> }

/**
 * Reads a server-sent event stream (a `GET /event` response body) and calls `onEvent` with each
 * parsed `data:` payload; resolves when the stream ends. Used by clients of the server (the
 * `tandem tasks --watch` command, benchmarks).
 */
export async function readEvents(body: ReadableStream<Uint8Array>, onEvent: (event: StreamEvent) => void) {
  const decoder = new TextDecoder()
  let buffer = ""
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true })
    let end: number
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const frame = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      const data = frame
        .split("\n")
        .filter((line) => line.startsWith("data:"))
        .map((line) => line.slice(5).trim())
        .join("\n")
      if (data) onEvent(JSON.parse(data) as StreamEvent)
    }
  }
}
