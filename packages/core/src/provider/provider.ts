import type { LanguageModel } from "ai"
import { createAnthropic } from "@ai-sdk/anthropic"
import { createOpenAI } from "@ai-sdk/openai"
import { createOpenAICompatible } from "@ai-sdk/openai-compatible"
import type { Config, ProviderConfig } from "../config/config"
import type { ModelRef } from "../session/message"
import { callSettings, type CallSettings } from "./call-settings"

/** A model the engine can call, with what it costs per million tokens. */
export type ResolvedModel = {
  providerID: string
  modelID: string
  /** The variant whose options the calls carry, when one was asked for. */
  variant?: string
  language: LanguageModel
  /** Prices per million tokens: input not read from or written to a cache, output, cache reads and writes. */
  cost: { input: number; output: number; cacheRead: number; cacheWrite: number }
  /** Provider options, output limit and wire format of every call. */
  call: CallSettings
}

/** Builds a language model for a provider block; `scripted` and other built-ins are passed in. */
export type ProviderFactory = (input: {
  providerID: string
  modelID: string
  config: ProviderConfig
  /** The fetch provider clients make their calls with (deadlines for silent providers). */
  fetch?: typeof fetch
}) => LanguageModel

/** A model reference that does not resolve, with the reason a user can act on. */
export class ModelNotFoundError extends Error {
  override name = "ModelNotFoundError"
}

const known: Record<string, { npm: string; env: string }> = {
  anthropic: { npm: "@ai-sdk/anthropic", env: "ANTHROPIC_API_KEY" },
  openai: { npm: "@ai-sdk/openai", env: "OPENAI_API_KEY" },
}

/** The environment variables built-in providers read their keys from. */
export const providerKeyVariables = Object.values(known).map((info) => info.env)

const packages: Record<string, ProviderFactory> = {
  "@ai-sdk/openai-compatible": ({ providerID, modelID, config, fetch }) =>
    createOpenAICompatible({
      name: providerID,
      baseURL: config.options?.baseURL ?? "",
      apiKey: config.options?.apiKey,
      headers: config.options?.headers,
      includeUsage: true,
      fetch,
    }).chatModel(modelID),
  "@ai-sdk/anthropic": ({ modelID, config, fetch }) =>
    createAnthropic({
      apiKey: config.options?.apiKey,
      baseURL: config.options?.baseURL,
      headers: config.options?.headers,
      fetch,
    })(modelID),
  "@ai-sdk/openai": ({ modelID, config, fetch }) =>
    createOpenAI({
      apiKey: config.options?.apiKey,
      baseURL: config.options?.baseURL,
      headers: config.options?.headers,
      fetch,
    })(modelID),
}

/** Splits "provider/model" (the model part may itself contain slashes); throws when either part is missing. */
export function parseModelRef(ref: string): ModelRef {
  const slash = ref.indexOf("/")
  if (slash <= 0 || slash === ref.length - 1)
    throw new ModelNotFoundError(`model "${ref}" must be written as "provider/model"`)
  return { providerID: ref.slice(0, slash), modelID: ref.slice(slash + 1) }
}

/** The "provider/model" key of a reference: how config writes it, and what caches and caps count by. */
export function modelKey(ref: ModelRef) {
  return `${ref.providerID}/${ref.modelID}`
}

/** The models of a built-in provider (such as `scripted`) that the config names by `model` or `small_model`. */
function namedBuiltinModels(config: Config, id: string) {
  const named = [config.model, config.small_model].filter((ref): ref is string => !!ref?.startsWith(`${id}/`))
  return named.map((ref) => ref.slice(id.length + 1))
}

/**
 * Every provider the config names, plus providers whose key is in the environment. A built-in
 * provider is one of them only when the config names it (`model`, `small_model` or a `provider`
 * block): it is never offered to a client, nor picked, unless asked for.
 */
export function providerBlocks(config: Config, builtins: Record<string, ProviderFactory>, env = process.env) {
  const blocks: Record<string, ProviderConfig> = {}
  for (const id of Object.keys(builtins)) {
    const models = namedBuiltinModels(config, id)
    if (models.length || config.provider?.[id]) blocks[id] = { models: Object.fromEntries(models.map((m) => [m, {}])) }
  }
  for (const [id, info] of Object.entries(known)) if (env[info.env]) blocks[id] = { npm: info.npm, models: {} }
  for (const [id, block] of Object.entries(config.provider ?? {})) blocks[id] = { ...blocks[id], ...block }
  return blocks
}

/** The model to use when none is given: config `model`, else the first configured provider's first model. */
export function defaultModel(config: Config, builtins: Record<string, ProviderFactory> = {}) {
  if (config.model) return config.model
  for (const [id, block] of Object.entries(config.provider ?? {})) {
    const first = Object.keys(block.models ?? {})[0]
    if (first) return `${id}/${first}`
  }
  const builtin = Object.keys(builtins)[0]
  const hint = builtin ? `; to try the built-in ${builtin} model instead, name "${builtin}/${builtin}"` : ""
  throw new ModelNotFoundError(
    `no model configured: set "model" to "provider/model" in opencode.json, for example "anthropic/claude-sonnet-4-5" with ANTHROPIC_API_KEY in the environment, or add a "provider" block with its models${hint}`,
  )
}

/** Resolves a model reference against the config's provider blocks. */
export function resolveModel(
  ref: ModelRef,
  config: Config,
  builtins: Record<string, ProviderFactory>,
  env = process.env,
  fetch?: typeof globalThis.fetch,
): ResolvedModel {
  const { providerID, modelID } = ref
  // A built-in resolves whenever a reference names it, listed or not: naming it is asking for it.
  const block = providerBlocks(config, builtins, env)[providerID] ?? (builtins[providerID] ? {} : undefined)
  if (!block) throw new ModelNotFoundError(`provider "${providerID}" is not configured`)
  const model = block.models?.[modelID]
  const apiModelID = model?.id ?? modelID
  const factory = builtins[providerID] ?? packages[block.npm ?? known[providerID]?.npm ?? "@ai-sdk/openai-compatible"]
  if (!factory) throw new ModelNotFoundError(`provider "${providerID}" uses unsupported package "${block.npm}"`)
  const apiKey = block.options?.apiKey ?? (known[providerID] ? env[known[providerID].env] : undefined)
  const language = factory({
    providerID,
    modelID: apiModelID,
    config: { ...block, options: { ...block.options, apiKey } },
    fetch,
  })
  return {
    providerID,
    modelID,
    ...(ref.variant ? { variant: ref.variant } : {}),
    language,
    cost: {
      input: model?.cost?.input ?? 0,
      output: model?.cost?.output ?? 0,
      cacheRead: model?.cost?.cache_read ?? 0,
      cacheWrite: model?.cost?.cache_write ?? 0,
    },
    call: callSettings(language, block, model, ref.variant),
  }
}
