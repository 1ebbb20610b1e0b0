// Tandem and stock opencode side by side on the same background workload, driven through the
// same HTTP API. Run with scripts/bench-vs-opencode (installs the pinned opencode). Prints one
// markdown table per measurement with both engines and their ratio; asserts nothing.
import os from "node:os"
import { startScriptedServer } from "../src/scripted-server"
import type { ScriptRequest } from "../src/script"
import { fanoutResponder } from "./fanout-script"
import { launch, post, subscribe, usage, type Server } from "./server-process"
import { quantile } from "./stats"
import { compareEconomy } from "./wire-economy"

const CHILD_MS = Number(process.env.CHILD_MS ?? 2000)
const SIZES = (process.env.SIZES ?? "1,10,50,100").split(",").map(Number)
const SAMPLES = Number(process.env.SAMPLES ?? 5)
/** Fan-out sizes of the Anthropic-wire token economy; empty to skip it. */
const ECONOMY_SIZES = (process.env.ECONOMY_SIZES ?? "10,100").split(",").filter(Boolean).map(Number)
const model = startScriptedServer({ responder: fanoutResponder })

const isParent = (request: ScriptRequest) => request.messages.find((m) => m.role === "user")?.text.startsWith("FANOUT")
const chars = (request: ScriptRequest) =>
  request.system.length +
  request.messages.reduce(
    (n, m) => n + m.text.length + JSON.stringify(m.toolResults ?? []).length + JSON.stringify(m.toolCalls ?? []).length,
    0,
  )

async function fanout(server: Server, n: number) {
  const session = (await (await post(server, "/session", {})).json()) as { id: string }
  const parent = session.id
  const children = new Set<string>()
  const started = new Set<string>()
  const childIdle = new Map<string, number>()
  const parentCalls: number[] = []
  let firstIdle = 0
  let resultsIn = 0
  let allStarted = 0
  const resultParts = new Set<string>()
  const callsBefore = model.calls.length
  let peakRss = 0
  const base = usage(server.pid)
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, usage(server.pid).rss)), 50)
  let resolveDone: () => void
  const done = new Promise<void>((resolve) => (resolveDone = resolve))
  const stop = await subscribe(server, (event, at) => {
    const p = event.properties
    if (event.type === "session.created" && p.info?.parentID === parent) children.add(p.info.id)
    if (
      event.type === "session.status" &&
      children.has(p.sessionID) &&
      p.status?.type === "busy" &&
      !started.has(p.sessionID)
    ) {
      started.add(p.sessionID)
      if (started.size === n) allStarted = at
    }
    if (event.type === "session.idle" && children.has(p.sessionID)) childIdle.set(p.sessionID, at)
    if (
      event.type === "message.updated" &&
      p.info?.sessionID === parent &&
      p.info.role === "assistant" &&
      !p.info.time?.completed &&
      !parentCalls.includes(at)
    ) {
      if (!firstIdle || true) parentCalls.push(at)
    }
    if (event.type === "session.idle" && p.sessionID === parent && !firstIdle) firstIdle = at
    if (event.type === "message.part.updated" && p.part?.sessionID === parent) {
      const part = p.part
      const text =
        part.type === "text"
          ? part.text
          : part.type === "tool" && part.state?.status === "completed"
            ? part.state.output
            : ""
      const result =
        typeof text === "string" && text.includes("<task_result>") && !/state="(running|queued)"/.test(text)
      if (result && !resultParts.has(part.id)) {
        resultParts.add(part.id)
        if (resultParts.size === n) resultsIn = at
      }
    }
    if (event.type === "session.idle" && p.sessionID === parent && resultParts.size >= n) resolveDone()
  })
  const start = performance.now()
  await post(server, `/session/${parent}/prompt_async`, { parts: [{ type: "text", text: `FANOUT ${n} ${CHILD_MS}` }] })
  const timeout = setTimeout(() => resolveDone(), 120_000 + n * 1000)
  await done
  clearTimeout(timeout)
  const end = performance.now()
  clearInterval(sampler)
  await stop()
  const after = usage(server.pid)
  // Delivery latency: a child going idle → the parent's next model call.
  const delivery = [...childIdle.values()].flatMap((idle) => {
    const next = parentCalls.find((call) => call >= idle)
    return next === undefined ? [] : [next - idle]
  })
  const parentRequests = model.calls.slice(callsBefore).filter(isParent)
  const afterDispatch = parentRequests.slice(1)
  return {
    firstTurn: firstIdle - start,
    allStarted: allStarted ? allStarted - start : NaN,
    resultsIn: resultsIn ? resultsIn - start : NaN,
    total: end - start,
    deliveryP50: quantile(delivery, 0.5),
    deliveryP99: quantile(delivery, 0.99),
    turns: parentCalls.length,
    rss: peakRss,
    cpu: after.cpu - base.cpu,
    chars: afterDispatch.reduce((sum, request) => sum + chars(request), 0),
    complete: resultParts.size >= n,
  }
}

async function responsiveness(server: Server) {
  const session = (await (await post(server, "/session", {})).json()) as { id: string }
  const samples: number[] = []
  const calls: number[] = []
  const stop = await subscribe(server, (event, at) => {
    const p = event.properties
    if (
      event.type === "message.updated" &&
      p.info?.sessionID === session.id &&
      p.info.role === "assistant" &&
      !p.info.time?.completed
    )
      calls.push(at)
  })
  await post(server, `/session/${session.id}/prompt_async`, {
    parts: [{ type: "text", text: `FANOUT 20 ${Math.max(CHILD_MS * 4, 8000)}` }],
  })
  await Bun.sleep(1500)
  for (let i = 0; i < SAMPLES; i++) {
    const before = calls.length
    const sent = performance.now()
    await post(server, `/session/${session.id}/prompt_async`, { parts: [{ type: "text", text: `ASK ${i}` }] })
    for (let wait = 0; calls.length === before && wait < 600; wait++) await Bun.sleep(5)
    samples.push(calls.length > before ? calls[before]! - sent : Infinity)
    await Bun.sleep(300)
  }
  await stop()
  return samples
}

const fmt = (value: number, digits = 0) =>
  Number.isNaN(value) ? "-" : value === Infinity ? "> 3000 (no call)" : value.toFixed(digits)
const ratio = (a: number, b: number) => (Number.isNaN(a) || Number.isNaN(b) || b === 0 ? "-" : (a / b).toFixed(3))

const servers = { tandem: await launch("tandem", model.url), opencode: await launch("opencode", model.url) }
// One discarded fan-out each, so neither engine's cold start lands in the figures.
await fanout(servers.tandem, 2)
await fanout(servers.opencode, 2)
console.log(
  `Tandem vs opencode 1.18.33 · children stream ${CHILD_MS} ms · ${os.cpus().length} cores · ${new Date().toISOString().slice(0, 10)}`,
)
console.log("")
console.log("(after one discarded fan-out of 2 per engine; same scripted server, same opencode.json, same HTTP API)")
console.log("")
console.log("| n | metric | tandem | opencode | tandem / opencode |")
console.log("|---|---|---|---|---|")
for (const n of SIZES) {
  const t = await fanout(servers.tandem, n)
  const o = await fanout(servers.opencode, n)
  const rows: [string, number, number, number?][] = [
    ["parent's first turn (ms)", t.firstTurn, o.firstTurn],
    ["every child started (ms)", t.allStarted, o.allStarted],
    ["every result in the parent (ms)", t.resultsIn, o.resultsIn],
    ["end to end (ms)", t.total, o.total],
    ["overhead over the children's time (ms)", t.total - CHILD_MS, o.total - CHILD_MS],
    ["delivery p50 (ms)", t.deliveryP50, o.deliveryP50],
    ["delivery p99 (ms)", t.deliveryP99, o.deliveryP99],
    ["parent model turns", t.turns, o.turns],
    ["peak RSS (MB)", t.rss, o.rss],
    ["CPU time (s)", t.cpu, o.cpu, 2],
    ["characters sent to the parent's model after dispatch", t.chars, o.chars],
  ]
  for (const [name, a, b, digits] of rows)
    console.log(`| ${n} | ${name} | ${fmt(a, digits ?? 0)} | ${fmt(b, digits ?? 0)} | ${ratio(a, b)} |`)
  if (!t.complete || !o.complete) console.log(`| ${n} | complete | ${t.complete} | ${o.complete} | |`)
}
const rt = await responsiveness(servers.tandem)
const ro = await responsiveness(servers.opencode)
const label = "20 streaming"
console.log(
  `| ${label} | user message → parent model call p50 (ms) | ${fmt(quantile(rt, 0.5), 1)} | ${fmt(quantile(ro, 0.5), 1)} | ${ratio(quantile(rt, 0.5), quantile(ro, 0.5))} |`,
)
console.log(
  `| ${label} | user message → parent model call max (ms) | ${fmt(Math.max(...rt), 1)} | ${fmt(Math.max(...ro), 1)} | ${ratio(Math.max(...rt), Math.max(...ro))} |`,
)
console.log(
  `| ${label} | samples (ms) | ${rt.map((v) => fmt(v, 1)).join(", ")} | ${ro.map((v) => fmt(v, 1)).join(", ")} | |`,
)
await servers.tandem.stop()
await servers.opencode.stop()
await model.stop()
if (ECONOMY_SIZES.length) await compareEconomy(ECONOMY_SIZES, CHILD_MS)
process.exit(0)
