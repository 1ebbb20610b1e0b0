import type { JSONValue, LanguageModel } from "ai"
import type { ProviderConfig } from "../config/config"

/** The request format a model's adapter speaks, for what differs between them (prompt-cache marks). */
export type Wire = "anthropic" | "responses" | "chat"

/** What every call of one model carries besides the prompt. */
export type CallSettings = {
  wire: Wire
  /** Provider options of every call: the provider's and the model's `options`, under the adapter's key. */
  providerOptions: Record<string, Record<string, JSONValue>>
  /** The model's `limit.output`; undefined leaves the adapter's default. */
  maxOutputTokens?: number
}

/** Provider options that configure the client (address, credentials) rather than a call. */
const CLIENT_OPTIONS = new Set(["baseURL", "apiKey", "headers"])

/** The provider id an adapter names itself with ("anthropic.messages" → "anthropic"): the key its provider options go under. */
export function optionsKey(language: LanguageModel) {
  if (typeof language === "string") return language.split("/")[0]!
  return language.provider.split(".")[0]!.trim()
}

function wireOf(language: LanguageModel): Wire {
  const provider = typeof language === "string" ? "" : language.provider
  if (provider.startsWith("anthropic.")) return "anthropic"
  if (provider === "openai.responses") return "responses"
  return "chat"
}

/**
 * The call settings of a model, read as opencode reads them: the provider block's `options` other than the
 * client's own (baseURL, apiKey, headers), then the model entry's `options` over them, passed untouched as the
 * adapter's provider options; `limit.output` is the most output tokens a call asks for. A `variant` the model
 * configures (and does not mark `disabled`) lays its options over the model's; one it does not name adds nothing.
 */
export function callSettings(
  language: LanguageModel,
  provider: ProviderConfig | undefined,
  model: NonNullable<ProviderConfig["models"]>[string] | undefined,
  variant?: string,
): CallSettings {
  const options: Record<string, JSONValue> = {}
  for (const [key, value] of Object.entries(provider?.options ?? {}))
    if (!CLIENT_OPTIONS.has(key) && value !== undefined) options[key] = value as JSONValue
  for (const [key, value] of Object.entries(model?.options ?? {}))
    if (value !== undefined) options[key] = value as JSONValue
  const chosen = variant ? model?.variants?.[variant] : undefined
  if (chosen?.disabled !== true)
    for (const [key, value] of Object.entries(chosen ?? {}))
      if (key !== "disabled" && value !== undefined) options[key] = value as JSONValue
  return {
    wire: wireOf(language),
    providerOptions: Object.keys(options).length ? { [optionsKey(language)]: options } : {},
    maxOutputTokens: model?.limit?.output,
  }
}
