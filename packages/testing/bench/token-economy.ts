// Tandem's parent token economy (not a test; prints figures): fan-outs through the Anthropic Messages wire with
// thinking on, for each coalescing window, and the parent's model turns at n = 100 on the chat wire.
// Run: sh scripts/bun packages/testing/bench/token-economy.ts   (SIZES=10,100 COALESCE=25/2000,250/2000 CHILD_MS=2000)
// Each COALESCE entry is coalesce_ms/coalesce_max_ms.
import { startScriptedAnthropic } from "../src/scripted-anthropic"
import { startScriptedServer } from "../src/scripted-server"
import type { ScriptRequest } from "../src/script"
import { fanoutResponder } from "./fanout-script"
import { launch, post, subscribe, type Server } from "./server-process"
import { cachedFanoutResponder, economyFanout, THINKING_CLAUDE } from "./wire-economy"

const CHILD_MS = Number(process.env.CHILD_MS ?? 2000)
const SIZES = (process.env.SIZES ?? "10,100").split(",").map(Number)
const WINDOWS = (process.env.COALESCE ?? "25/25,250/250,250/2000,500/4000").split(",")
const TURN_RUNS = Number(process.env.TURN_RUNS ?? 3)

const anthropic = startScriptedAnthropic({ responder: cachedFanoutResponder })
const chat = startScriptedServer({ responder: fanoutResponder })
const isParent = (request: ScriptRequest) => request.messages.find((m) => m.role === "user")?.text.startsWith("FANOUT")

/** Parent model calls after dispatch of one chat-wire fan-out of n. */
async function chatTurns(server: Server, n: number) {
  const session = (await (await post(server, "/session", {})).json()) as { id: string }
  const from = chat.calls.length
  let results = 0
  const { promise, resolve } = Promise.withResolvers<void>()
  const stop = await subscribe(server, (event) => {
    const p = event.properties
    if (event.type === "task.delivered" && p.parentSessionID === session.id) results++
    if (event.type === "session.idle" && p.sessionID === session.id && results >= n) resolve()
  })
  await post(server, `/session/${session.id}/prompt_async`, {
    parts: [{ type: "text", text: `FANOUT ${n} ${CHILD_MS}` }],
  })
  await promise
  await stop()
  return chat.calls.slice(from).filter(isParent).length - 1
}

const fmt = (value: number) => Math.round(value).toLocaleString("en")
console.log(
  `Tandem parent economy · Anthropic wire, thinking on · children ${CHILD_MS} ms · ${new Date().toISOString()}`,
)
console.log("")
console.log(
  "| coalesce_ms / max | n | parent turns after dispatch | input total | cache read | cache write | uncached | cost (uncached-token equivalents) | rejected | chat wire: parent turns at n=100 (runs) |",
)
console.log("|---|---|---|---|---|---|---|---|---|---|")
for (const window of WINDOWS) {
  const [gap, max] = window.split("/")
  process.env.COALESCE_MS = gap
  process.env.COALESCE_MAX_MS = max ?? gap
  const server = await launch("tandem", anthropic.url, THINKING_CLAUDE)
  await economyFanout(server, anthropic, 2, 200)
  const rows: string[] = []
  for (const n of SIZES) {
    const e = await economyFanout(server, anthropic, n, CHILD_MS)
    rows.push(
      `| ${window} | ${n} | ${e.turns} | ${fmt(e.total)} | ${fmt(e.read)} | ${fmt(e.write)} | ${fmt(e.uncached)} | ${fmt(e.equivalent)} | ${e.rejected}${e.complete ? "" : " (incomplete)"} |`,
    )
  }
  await server.stop()
  const chatServer = await launch("tandem", chat.url)
  await chatTurns(chatServer, 2)
  const turns: number[] = []
  for (let i = 0; i < TURN_RUNS; i++) turns.push(await chatTurns(chatServer, 100))
  await chatServer.stop()
  for (const row of rows) console.log(`${row} ${turns.join(", ")} |`)
}
await anthropic.stop()
await chat.stop()
process.exit(0)
