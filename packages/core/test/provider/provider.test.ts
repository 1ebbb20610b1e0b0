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
