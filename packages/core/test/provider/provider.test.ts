import { expect, test } from "bun:test"
import {
  defaultModel,
  modelKey,
  ModelNotFoundError,
  parseModelRef,
  providerBlocks,
  resolveModel as resolveRef,
  type ProviderFactory,
} from "../../src/provider/provider"
import type { Config } from "../../src/config/config"

const resolveModel = (
  ref: string,
  config: Config,
  builtins: Record<string, ProviderFactory>,
  env: Record<string, string>,
) => resolveRef(parseModelRef(ref), config, builtins, env)

const local = {
  provider: {
    local: {
      npm: "@ai-sdk/openai-compatible",
      options: { baseURL: "http://127.0.0.1:8080/v1", apiKey: "k" },
      models: { qwen: { id: "qwen2.5-coder:7b", cost: { input: 1, output: 2 } } },
    },
    claude: { npm: "@ai-sdk/anthropic", options: { apiKey: "a" }, models: { sonnet: { id: "claude-sonnet-4-5" } } },
    gpt: { npm: "@ai-sdk/openai", options: { apiKey: "o" }, models: { five: {} } },
  },
}

test("provider blocks resolve through the npm package they name, with the model's api id and cost", () => {
  const model = resolveModel("local/qwen", local, {}, {})
  expect(model).toMatchObject({ providerID: "local", modelID: "qwen", cost: { input: 1, output: 2 } })
  expect(model.language).toMatchObject({ modelId: "qwen2.5-coder:7b" })
  expect(resolveModel("claude/sonnet", local, {}, {}).language).toMatchObject({
    modelId: "claude-sonnet-4-5",
    provider: "anthropic.messages",
  })
  expect(resolveModel("gpt/five", local, {}, {}).language).toMatchObject({ modelId: "five" })
})

test("built-in provider ids pick up their key from the environment", () => {
  expect(Object.keys(providerBlocks({}, {}, { ANTHROPIC_API_KEY: "x" }))).toEqual(["anthropic"])
  expect(resolveModel("anthropic/claude-haiku-4-5", {}, {}, { ANTHROPIC_API_KEY: "x" }).language).toMatchObject({
    modelId: "claude-haiku-4-5",
  })
})

test("bad references fail with a reason a user can act on", () => {
  expect(() => parseModelRef("nomodel")).toThrow(ModelNotFoundError)
  expect(() => parseModelRef("local/")).toThrow(ModelNotFoundError)
  expect(() => resolveModel("nobody/x", local, {}, {})).toThrow(/not configured/)
  expect(() => defaultModel({})).toThrow(/no model configured/)
  expect(defaultModel(local)).toBe("local/qwen")
  expect(defaultModel({ model: "gpt/five" })).toBe("gpt/five")
})

test("a model reference and its key go both ways; the model part may hold slashes", () => {
  expect(parseModelRef("openrouter/anthropic/claude")).toEqual({
    providerID: "openrouter",
    modelID: "anthropic/claude",
  })
  expect(modelKey(parseModelRef("openrouter/anthropic/claude"))).toBe("openrouter/anthropic/claude")
})

test("model and provider options reach every call as the adapter's provider options; limit.output caps output", () => {
  const config: Config = {
    provider: {
      claude: {
        npm: "@ai-sdk/anthropic",
        options: { apiKey: "a", baseURL: "http://127.0.0.1:1/v1", headers: { x: "y" }, sendReasoning: true, beta: 1 },
        models: {
          sonnet: {
            id: "claude-sonnet-4-5",
            limit: { context: 200_000, output: 8192 },
            options: { thinking: { type: "enabled", budgetTokens: 2048 }, beta: 2, somethingNew: { kept: [1, 2] } },
          },
        },
      },
      gpt: {
        npm: "@ai-sdk/openai",
        options: { apiKey: "o" },
        models: { five: { options: { reasoningEffort: "high" } } },
      },
      local: { npm: "@ai-sdk/openai-compatible", options: { baseURL: "http://x/v1" }, models: { plain: {} } },
    },
  }
  const claude = resolveModel("claude/sonnet", config, {}, {})
  expect(claude.call).toEqual({
    wire: "anthropic",
    providerOptions: {
      anthropic: {
        sendReasoning: true,
        beta: 2,
        thinking: { type: "enabled", budgetTokens: 2048 },
        somethingNew: { kept: [1, 2] },
      },
    },
    maxOutputTokens: 8192,
  })
  expect(resolveModel("gpt/five", config, {}, {}).call).toEqual({
    wire: "responses",
    providerOptions: { openai: { reasoningEffort: "high" } },
    maxOutputTokens: undefined,
  })
  expect(resolveModel("local/plain", config, {}, {}).call).toEqual({
    wire: "chat",
    providerOptions: {},
    maxOutputTokens: undefined,
  })
})
