import { afterAll, afterEach, describe } from "bun:test"
import { tempProject } from "@tandem/testing/fixture"
import type { Responder } from "@tandem/testing/script"
import { startScriptedAnthropic } from "@tandem/testing/scripted-anthropic"
import { startScriptedResponses } from "@tandem/testing/scripted-responses"
import { startScriptedServer } from "@tandem/testing/scripted-server"
import type { Config } from "../../src/config/config"
import { createEngine, type Engine } from "../../src/engine"

// The engine on the three wire formats, through the real provider adapters and the scripted servers that
// answer 400 to a request breaking the API's documented rules. Thinking is on where the format has it.

export type WireName = "anthropic" | "anthropic-plain" | "responses" | "responses-stateless" | "chat"
/**
 * `anthropic-plain`: Claude with thinking off; `responses-stateless`: Responses with `store` off, reasoning sent
 * back by its encrypted content.
 */
export const WIRES: WireName[] = ["anthropic", "anthropic-plain", "responses", "responses-stateless", "chat"]

/** One request a wire server received: its body, and the error it answered when it refused it. */
export type Exchange = { body: unknown; status: number; accepted: boolean; error?: string }

/** The model entries as a user writes them for each wire: thinking on, an output limit, prices. */
const MODELS: Record<WireName, { npm: string; id: string; model: Record<string, unknown> }> = {
  anthropic: {
    npm: "@ai-sdk/anthropic",
    id: "claude-sonnet-4-5",
    model: {
      options: { thinking: { type: "enabled", budgetTokens: 2048 } },
      limit: { context: 200_000, output: 8192 },
      cost: { input: 3, output: 15, cache_read: 0.3, cache_write: 3.75 },
    },
  },
  "anthropic-plain": { npm: "@ai-sdk/anthropic", id: "claude-sonnet-4-5", model: { limit: { output: 8192 } } },
  responses: {
    npm: "@ai-sdk/openai",
    id: "gpt-5",
    model: {
      options: { reasoningEffort: "low" },
      limit: { output: 8192 },
      cost: { input: 1, output: 8, cache_read: 0.1 },
    },
  },
  "responses-stateless": {
    npm: "@ai-sdk/openai",
    id: "gpt-5",
    model: {
      options: { reasoningEffort: "low", store: false, include: ["reasoning.encrypted_content"] },
      limit: { output: 8192 },
    },
  },
  chat: { npm: "@ai-sdk/openai-compatible", id: "scripted", model: {} },
}

/** A scripted server of one wire whose responder each test sets, and engines on it. */
export function wire(name: WireName) {
  let responder: Responder = () => ({ text: "ok" })
  const route: Responder = (request) => responder(request)
  const checked = name.startsWith("anthropic") ? startScriptedAnthropic({ responder: route }) : undefined
  const responses = name.startsWith("responses") ? startScriptedResponses({ responder: route }) : undefined
  const server = checked ?? responses ?? startScriptedServer({ responder: route })
  const requests: Exchange[] | undefined = checked?.requests ?? responses?.requests
  const engines: Engine[] = []
  const { npm, id, model } = MODELS[name]
  const config = (background: Record<string, unknown> = {}): Config => ({
    model: `wire/${name}`,
    provider: {
      wire: {
        npm,
        options: { baseURL: server.url, apiKey: "test" },
        models: { [name]: { id, ...model } },
      },
    },
    tandem: { title: false, background: { coalesce_ms: 25, progress_interval_ms: 0, ...background } },
  })
  return {
    name,
    server,
    /** Sets the responder of the next calls. */
    answer(next: Responder) {
      responder = next
    },
    /** An engine on this wire (a file store when `dbFile` is given), closed by `closeAll`. */
    engine(options: { background?: Record<string, unknown>; dbFile?: string; directory?: string } = {}) {
      const directory = options.directory ?? tempProject()
      const engine = createEngine({
        directory,
        dbFile: options.dbFile ?? ":memory:",
        config: config(options.background),
      })
      engines.push(engine)
      return { engine, directory }
    },
    /** Closes one engine early (a restart). */
    async close(engine: Engine) {
      engines.splice(engines.indexOf(engine), 1)
      await engine.close()
    },
    async closeAll() {
      for (const engine of engines.splice(0)) await engine.close()
    },
    /** Every request received; the chat server checks no rules, so all of its requests count as accepted. */
    exchanges(): Exchange[] {
      return requests ?? server.calls.map(() => ({ body: undefined, status: 200, accepted: true }))
    },
    /** The requests the server refused for breaking a rule of the API, with its message. */
    rejected() {
      return this.exchanges().flatMap((e) => (e.accepted ? [] : [`${e.status}: ${e.error}`]))
    },
    calls: server.calls,
  }
}
export type Wire = ReturnType<typeof wire>

/**
 * One `describe` block per wire format, each with its scripted server and engines closed after
 * every test; `body` declares the tests, the same for every wire.
 */
export function eachWire(body: (w: Wire, name: WireName) => void) {
  for (const name of WIRES)
    describe(`${name} wire`, () => {
      const w = wire(name)
      afterEach(() => w.closeAll())
      afterAll(() => w.server.stop())
      body(w, name)
    })
}
