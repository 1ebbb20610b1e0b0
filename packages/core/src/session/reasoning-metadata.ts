import type { ProviderMetadata } from "ai"
import type { ReasoningPart } from "./message"

type Metadata = ReasoningPart["metadata"]

/**
 * Adds what a provider said about a reasoning block (Anthropic's signature or redacted data, OpenAI's item
 * id and encrypted content) to the part's metadata, by provider. A later value wins over an earlier one, but a
 * missing or null one never erases it.
 */
export function mergeMetadata(metadata: Metadata, incoming: ProviderMetadata | undefined): Metadata {
  if (!incoming) return metadata
  const merged: Record<string, unknown> = { ...metadata }
  for (const [provider, values] of Object.entries(incoming)) {
    const kept = { ...(merged[provider] as Record<string, unknown> | undefined) }
    for (const [key, value] of Object.entries(values ?? {})) if (value != null) kept[key] = value
    merged[provider] = kept
  }
  return merged
}

/** The provider options that send a stored reasoning part back as the provider issued it. */
export function reasoningOptions(metadata: Metadata) {
  const options: Record<string, Record<string, never>> = {}
  for (const [provider, values] of Object.entries(metadata ?? {}))
    if (values && typeof values === "object" && !Array.isArray(values) && Object.keys(values).length)
      options[provider] = values as Record<string, never>
  return Object.keys(options).length ? options : undefined
}
