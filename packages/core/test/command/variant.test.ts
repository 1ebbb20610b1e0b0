import { afterAll, afterEach, expect, test } from "bun:test"
import { createEngine, type Engine } from "../../src/engine"
import { callSettings } from "../../src/provider/call-settings"
import { resolveModel } from "../../src/provider/provider"
import type { Config } from "../../src/config/config"
import type { AssistantMessage, UserMessage } from "../../src/session/message"
import { tempProject } from "@tandem/testing/fixture"
import { startScriptedAnthropic } from "@tandem/testing/scripted-anthropic"
import { lastUser } from "@tandem/testing/script"

// Model variants: a named set of call options in the model's config, picked by a prompt's or a
// command's `variant`, as opencode's; see README "Shell and commands".

const server = startScriptedAnthropic({ responder: (request) => ({ text: `did: ${lastUser(request)}` }) })
const engines: Engine[] = []
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close()
})
afterAll(() => server.stop())

const provider = (baseURL: string): Config["provider"] => ({
  claude: {
    npm: "@ai-sdk/anthropic",
    options: { apiKey: "test", baseURL },
    models: {
      sonnet: {
        id: "claude-sonnet-4-5",
        limit: { output: 2000 },
        variants: {
          high: { thinking: { type: "enabled", budgetTokens: 4096 } },
          off: { thinking: { type: "enabled", budgetTokens: 1024 }, disabled: true },
        },
      },
    },
  },
})

function setup(command: Config["command"]) {
  const directory = tempProject()
  const engine = createEngine({
    directory,
    dbFile: ":memory:",
    config: { model: "claude/sonnet", provider: provider(server.url), command, tandem: { title: false } },
  })
  engines.push(engine)
  return { engine, session: engine.store.createSession({ directory }) }
}

test("a variant lays its options over the model's; a disabled or unknown one adds nothing", () => {
  const config: Config = { provider: provider("http://127.0.0.1:1") }
  const language = resolveModel({ providerID: "claude", modelID: "sonnet" }, config, {}, {}).language
  const model = config.provider!.claude!.models!.sonnet
  expect(callSettings(language, config.provider!.claude, model, "high").providerOptions).toEqual({
    anthropic: { thinking: { type: "enabled", budgetTokens: 4096 } },
  })
  for (const variant of [undefined, "off", "missing"])
    expect(callSettings(language, config.provider!.claude, model, variant).providerOptions).toEqual({})
})

test("a command's configured variant is the variant its prompt is answered with", async () => {
  const { engine, session } = setup({ deep: { template: "Think about $ARGUMENTS", variant: "high" } })
  const before = server.calls.length
  const reply = await engine.commands.run(session.id, { command: "deep", arguments: "caching" })
  if ("refused" in reply) throw new Error(reply.message)
  const call = server.calls.at(-1)!
  expect(server.calls.length).toBe(before + 1)
  expect(lastUser(call)).toBe("Think about caching")
  expect(call.reasoning).toEqual({ budgetTokens: 4096 })
  const user = engine.store.messages(session.id)[0]!.info as UserMessage
  expect(user.model).toEqual({ providerID: "claude", modelID: "sonnet", variant: "high" })
  expect((reply.info as AssistantMessage).variant).toBe("high")
})

test("the request's variant applies to a command that names no model or variant; without one, none", async () => {
  const { engine, session } = setup({ plain: { template: "Look at $ARGUMENTS" } })
  await engine.commands.run(session.id, { command: "plain", arguments: "one", variant: "high" })
  expect(server.calls.at(-1)!.reasoning).toEqual({ budgetTokens: 4096 })
  await engine.commands.run(session.id, { command: "plain", arguments: "two", model: "claude/sonnet" })
  expect(lastUser(server.calls.at(-1)!)).toBe("Look at two")
  expect(server.calls.at(-1)!.reasoning).toBeUndefined()
})

test("a command that names its own model does not take the caller's variant", async () => {
  const { engine, session } = setup({ pinned: { template: "Pinned $ARGUMENTS", model: "claude/sonnet" } })
  await engine.commands.run(session.id, { command: "pinned", arguments: "x", variant: "high" })
  expect(lastUser(server.calls.at(-1)!)).toBe("Pinned x")
  expect(server.calls.at(-1)!.reasoning).toBeUndefined()
})

test("a prompt's variant is kept on its message and session, and the next prompt without one keeps the model's", async () => {
  const { engine, session } = setup({})
  await engine.runner.prompt(session.id, { variant: "high", parts: [{ type: "text", text: "first" }] })
  expect(server.calls.at(-1)!.reasoning).toEqual({ budgetTokens: 4096 })
  expect(engine.store.getSession(session.id)!.model).toEqual({ id: "sonnet", providerID: "claude", variant: "high" })
  await engine.runner.prompt(session.id, {
    model: { providerID: "claude", modelID: "sonnet" },
    parts: [{ type: "text", text: "second" }],
  })
  expect(server.calls.at(-1)!.reasoning).toBeUndefined()
})
