// Compaction benchmark: `sh scripts/bun packages/testing/bench/compaction.ts` (not a test). Prints
// figures; asserts nothing.
//
// One parent dispatches TOTAL background children, BATCH per model call; each child answers with
// a result of RESULT_CHARS characters, delivered to the parent as it ends. The parent's model has
// a CONTEXT-token window and reports input tokens that grow with the transcript (four characters
// a token); a call whose input exceeds the window fails as a real provider's would. Measured: the
// compactions the parent went through, the tokens they cost, the largest call against the window,
// calls that overflowed, and results lost (delivered but never read by the parent's model).
// Run once with automatic compaction and once with `compaction.auto: false` for comparison.
import { createEngine } from "@tandem/core/engine"
import { SessionCompacted } from "@tandem/core/session/compaction/events"
import { SUMMARY_PROMPT } from "@tandem/core/session/compaction/summarize"
import { tempProject } from "../src/fixture"
import { countTokens, lastUser, type Responder, type ScriptRequest } from "../src/script"
import { scriptedModel } from "../src/scripted-model"

const TOTAL = Number(process.env.TOTAL ?? 200)
const RESULT_CHARS = Number(process.env.RESULT_CHARS ?? 4000)
const CONTEXT = Number(process.env.CONTEXT ?? 32_000)
const BATCH = Number(process.env.BATCH ?? 10)
const CHILD_MS = Number(process.env.CHILD_MS ?? 20)
const DEADLINE_MS = Number(process.env.DEADLINE_MS ?? 300_000)

/** Input tokens of a call, counted as the scripted model reports them. */
const inputTokens = (request: ScriptRequest) =>
  countTokens(request.system) +
  request.messages.reduce((n, m) => n + countTokens(m.text + JSON.stringify(m.toolResults ?? [])), 0)

function parentModel() {
  const state = { dispatched: 0, read: new Set<number>(), peak: 0, overflows: 0, calls: 0 }
  const responder: Responder = (request) => {
    const said = lastUser(request)
    const child = /^CHILD (\d+)$/.exec(said)
    if (child) {
      const head = `RESULT ${child[1]} `
      return { text: head + "r".repeat(RESULT_CHARS - head.length), chunks: 2, chunkDelayMs: CHILD_MS / 2 }
    }
    const input = inputTokens(request)
    state.peak = Math.max(state.peak, input)
    if (input > CONTEXT) {
      state.overflows++
      return { error: `context length exceeded: ${input} tokens, the model's window is ${CONTEXT}` }
    }
    if (said === SUMMARY_PROMPT)
      return { text: `SUMMARY: ${state.dispatched} of ${TOTAL} tasks dispatched; results arrive by themselves.` }
    state.calls++
    for (const message of request.messages)
      for (const result of message.toolResults ?? []) {
        const id = /RESULT (\d+) /.exec(result.output)
        if (id) state.read.add(Number(id[1]))
      }
    if (state.dispatched < TOTAL) {
      const first = state.dispatched
      state.dispatched = Math.min(TOTAL, first + BATCH)
      return {
        toolCalls: Array.from({ length: state.dispatched - first }, (_, i) => ({
          name: "task",
          input: {
            description: `job ${first + i}`,
            prompt: `CHILD ${first + i}`,
            subagent_type: "general",
            background: true,
          },
        })),
      }
    }
    return { text: "noted" }
  }
  return { state, responder }
}

async function run(auto: boolean) {
  const { state, responder } = parentModel()
  const model = scriptedModel(responder, { provider: "scripted", modelId: "test", record: false })
  const directory = tempProject("tandem-bench-")
  const engine = createEngine({
    directory,
    dbFile: ":memory:",
    interactive: false,
    config: {
      model: "scripted/test",
      provider: { scripted: { models: { test: { limit: { context: CONTEXT, output: 4096 } } } } },
      compaction: { auto },
      tandem: { title: false, retry: { attempts: 1 } },
    },
    builtins: { scripted: () => model },
  })
  let compactions = 0
  engine.bus.on(SessionCompacted, () => compactions++)
  const started = performance.now()
  const parent = engine.store.createSession({ directory })
  await engine.runner.prompt(parent.id, { parts: [{ type: "text", text: `Dispatch ${TOTAL} background jobs.` }] })
  // Done when every result is delivered and the parent has settled (a bench may poll; a test may not).
  while (performance.now() - started < DEADLINE_MS) {
    const tasks = engine.background.list(parent.id)
    const settled = tasks.length === TOTAL && tasks.every((task) => task.delivery !== "pending")
    if (settled && !engine.runner.isBusy(parent.id)) break
    await Bun.sleep(50)
  }
  const seconds = (performance.now() - started) / 1000
  const messages = engine.store.messages(parent.id)
  const summaries = messages.flatMap((m) => (m.info.role === "assistant" && m.info.summary ? [m.info] : []))
  const cost = summaries.reduce((sum, info) => sum + info.tokens.input + info.tokens.output, 0)
  const parentTokens = engine.store.getSession(parent.id)!.tokens
  const delivered = engine.background.list(parent.id).filter((task) => task.delivery === "delivered").length
  await engine.close()
  return {
    auto,
    compactions,
    cost,
    parentTokens: parentTokens.input + parentTokens.output,
    peak: state.peak,
    overflows: state.overflows,
    calls: state.calls,
    delivered,
    lost: TOTAL - state.read.size,
    seconds,
  }
}

console.log(
  `${TOTAL} background results of ${RESULT_CHARS} characters, ${BATCH} dispatched per call, model window ${CONTEXT} tokens\n`,
)
const rows = [await run(true), await run(false)]
const header = [
  "auto",
  "compactions",
  "compaction tokens",
  "parent tokens",
  "largest call",
  "overflowed calls",
  "parent calls",
  "delivered",
  "lost",
  "seconds",
]
console.log(header.join(" | "))
for (const row of rows)
  console.log(
    [
      row.auto,
      row.compactions,
      row.cost,
      row.parentTokens,
      row.peak,
      row.overflows,
      row.calls,
      row.delivered,
      row.lost,
      row.seconds.toFixed(1),
    ].join(" | "),
  )
