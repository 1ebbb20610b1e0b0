import { lastToolResults, lastUser, type Responder } from "../src/script"

/** How long the parent's answers take to stream (`PARENT_MS`, default 0: at once). */
const PARENT_MS = Number(process.env.PARENT_MS ?? 0)

/**
 * The benchmark's model: "FANOUT n ms" dispatches n background children; "CHILD i ms" streams
 * ten pieces of text over ms milliseconds; anything else is answered in PARENT_MS.
 */
export const fanoutResponder: Responder = (request) => {
  const said = lastUser(request)
  const child = /^CHILD (\d+) (\d+)$/.exec(said)
  if (child) {
    const ms = Number(child[2])
    return {
      text: Array.from({ length: 10 }, (_, i) => `r${child[1]}.${i} `).join(""),
      chunks: 10,
      chunkDelayMs: ms / 10,
      usage: { input: 50, output: 20 },
    }
  }
  const fan = /^FANOUT (\d+) (\d+)$/.exec(said)
  if (fan && !lastToolResults(request).length)
    return {
      toolCalls: Array.from({ length: Number(fan[1]) }, (_, i) => ({
        name: "task",
        input: {
          description: `child ${i}`,
          prompt: `CHILD ${i} ${fan[2]}`,
          subagent_type: "general",
          background: true,
        },
      })),
      usage: { input: 100, output: 20 },
    }
  return { text: "ack", chunks: 1, chunkDelayMs: PARENT_MS, usage: { input: 100, output: 5 } }
}
