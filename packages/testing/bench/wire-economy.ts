// The parent's token economy on the Anthropic Messages wire with thinking on: what the parent's model
// is sent after it dispatched a fan-out, split as the scripted server's prompt cache accounted it.
import type { MessagesRequest } from "../src/anthropic-wire"
import { blocksOf } from "../src/anthropic-wire"
import type { Responder, Turn } from "../src/script"
import { startScriptedAnthropic, type ScriptedAnthropic } from "../src/scripted-anthropic"
import { fanoutResponder } from "./fanout-script"
import { launch, post, subscribe, type BenchProvider, type Server } from "./server-process"

/** The model entry both engines get: Claude with extended thinking, as opencode users configure it. */
export const THINKING_CLAUDE: BenchProvider = {
  npm: "@ai-sdk/anthropic",
  model: {
    id: "claude-sonnet-4-5",
    options: { thinking: { type: "enabled", budgetTokens: 2048 } },
    limit: { context: 200_000, output: 8192 },
  },
}

/** The fan-out script with its fixed usage dropped, so the server's prompt cache simulation counts tokens. */
export const cachedFanoutResponder: Responder = async (request) => {
  const { usage: _, ...turn } = (await fanoutResponder(request)) as Turn
  return turn
}

/** Cost weights of Anthropic's prompt cache against uncached input: reads 0.1x, writes 1.25x. */
export const READ_WEIGHT = 0.1
export const WRITE_WEIGHT = 1.25

export type Economy = {
  /** Parent requests after the dispatching one. */
  turns: number
  total: number
  read: number
  write: number
  uncached: number
  /** uncached + 0.1 × read + 1.25 × write. */
  equivalent: number
  /** Requests of the run the server refused for breaking a rule. */
  rejected: number
  /** Parent requests after dispatch with thinking on. */
  thinking: number
  complete: boolean
  /** Each parent request after dispatch as the cache accounted it: read / write / uncached. */
  perTurn: string[]
}

function firstUserText(body: MessagesRequest) {
  const first = body.messages[0]
  if (!first) return ""
  return blocksOf(first.content)
    .flatMap((block) => (block.type === "text" ? [block.text] : []))
    .join("")
}

/** Runs one fan-out of n children on `server` and sums the parent's input after dispatch. */
export async function economyFanout(server: Server, model: ScriptedAnthropic, n: number, childMs: number) {
  const session = (await (await post(server, "/session", {})).json()) as { id: string }
  const parent = session.id
  const results = new Set<string>()
  const from = model.requests.length
  const { promise: done, resolve } = Promise.withResolvers<void>()
  const stop = await subscribe(server, (event) => {
    const p = event.properties
    if (event.type === "message.part.updated" && p.part?.sessionID === parent) {
      const part = p.part
      const text = part.type === "text" ? part.text : part.type === "tool" ? part.state?.output : ""
      if (typeof text === "string" && text.includes("<task_result>") && !/state="(running|queued)"/.test(text))
        results.add(part.id)
    }
    if (event.type === "session.idle" && p.sessionID === parent && results.size >= n) resolve()
  })
  await post(server, `/session/${parent}/prompt_async`, { parts: [{ type: "text", text: `FANOUT ${n} ${childMs}` }] })
  const timeout = setTimeout(resolve, 120_000 + n * 1000)
  await done
  clearTimeout(timeout)
  await stop()
  const run = model.requests.slice(from)
  const parentRequests = run.filter((r) => r.accepted && firstUserText(r.body as MessagesRequest).startsWith("FANOUT"))
  const after = parentRequests.slice(1)
  const sum = (pick: (u: NonNullable<(typeof after)[number]["usage"]>) => number) =>
    after.reduce((total, r) => total + (r.usage ? pick(r.usage) : 0), 0)
  const uncached = sum((u) => u.input_tokens)
  const read = sum((u) => u.cache_read_input_tokens)
  const write = sum((u) => u.cache_creation_input_tokens)
  return {
    turns: after.length,
    total: uncached + read + write,
    read,
    write,
    uncached,
    equivalent: uncached + READ_WEIGHT * read + WRITE_WEIGHT * write,
    rejected: run.filter((r) => !r.accepted).length,
    thinking: after.filter((r) => (r.body as MessagesRequest).thinking?.type === "enabled").length,
    complete: results.size >= n,
    perTurn: after.map((r) =>
      r.usage
        ? `${r.usage.cache_read_input_tokens} / ${r.usage.cache_creation_input_tokens} / ${r.usage.input_tokens}`
        : "-",
    ),
  } satisfies Economy
}

/**
 * Tandem and opencode side by side on the Anthropic wire with thinking on: one table row per figure and size,
 * with the ratio tandem / opencode. Both engines get the same model entry and the same scripted server.
 */
export async function compareEconomy(sizes: number[], childMs: number) {
  const model = startScriptedAnthropic({ responder: cachedFanoutResponder })
  const servers = {
    tandem: await launch("tandem", model.url, THINKING_CLAUDE),
    opencode: await launch("opencode", model.url, THINKING_CLAUDE),
  }
  await economyFanout(servers.tandem, model, 2, 200)
  await economyFanout(servers.opencode, model, 2, 200)
  const fmt = (value: number) => Math.round(value).toLocaleString("en")
  const ratio = (a: number, b: number) => (b ? (a / b).toFixed(3) : "-")
  console.log("")
  console.log("Anthropic Messages wire, thinking on (budget 2048), the parent's input after dispatch:")
  console.log("")
  console.log("| n | metric | tandem | opencode | tandem / opencode |")
  console.log("|---|---|---|---|---|")
  for (const n of sizes) {
    const t = await economyFanout(servers.tandem, model, n, childMs)
    const o = await economyFanout(servers.opencode, model, n, childMs)
    const rows: [string, number, number][] = [
      ["parent turns after dispatch", t.turns, o.turns],
      ["of them with thinking on", t.thinking, o.thinking],
      ["input tokens, total", t.total, o.total],
      ["cache read", t.read, o.read],
      ["cache write", t.write, o.write],
      ["uncached", t.uncached, o.uncached],
      ["cost in uncached-token equivalents (read 0.1x, write 1.25x)", t.equivalent, o.equivalent],
      ["requests refused by the server (whole run)", t.rejected, o.rejected],
    ]
    for (const [name, a, b] of rows) console.log(`| ${n} | ${name} | ${fmt(a)} | ${fmt(b)} | ${ratio(a, b)} |`)
    console.log(`| ${n} | per turn: read / write / uncached | ${t.perTurn.join("; ")} | ${o.perTurn.join("; ")} | |`)
    if (!t.complete || !o.complete) console.log(`| ${n} | complete | ${t.complete} | ${o.complete} | |`)
  }
  await servers.tandem.stop()
  await servers.opencode.stop()
  await model.stop()
}
