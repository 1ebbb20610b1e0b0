import { ADDRESS_OPTIONS } from "@tandem/core/config/secrets"

/** Keys whose values are secrets and never leave the server. */
const secret = /^(api[-_]?key|apikey|token|secret|password|authorization|auth)$/i

/** A deep copy of `value` with every secret-looking key's value replaced. */
export function redact<T>(value: T): T {
  if (Array.isArray(value)) return value.map(redact) as T
  if (!value || typeof value !== "object") return value
  const out: Record<string, unknown> = {}
  for (const [key, inner] of Object.entries(value)) {
    if (secret.test(key)) continue
    out[key] =
      key === "headers" ? Object.fromEntries(Object.keys(inner ?? {}).map((h) => [h, "[redacted]"])) : redact(inner)
  }
  return out as T
}

/** Every string in a value, at any depth, replaced by the mask. */
function maskStrings(value: unknown): unknown {
  if (typeof value === "string") return "[redacted]"
  if (Array.isArray(value)) return value.map(maskStrings)
  if (!value || typeof value !== "object") return value
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, maskStrings(inner)]))
}

/**
 * A provider's options as the config routes show them: credential keys dropped, every other
 * string value masked (an option may hold a credential under any name), the address kept.
 */
export function redactOptions(options: Record<string, unknown>) {
  const kept = redact(options)
  return Object.fromEntries(
    Object.entries(kept).map(([key, value]) => [key, ADDRESS_OPTIONS.has(key) ? value : maskStrings(value)]),
  )
}

/** A config as the config routes show it: `redact`, and every provider's options through `redactOptions`. */
export function redactConfig<T extends { provider?: Record<string, { options?: Record<string, unknown> }> }>(
  config: T,
) {
  const out = redact(config)
  if (!out.provider) return out
  const provider = Object.fromEntries(
    Object.entries(out.provider).map(([id, block]) => [
      id,
      block.options ? { ...block, options: redactOptions(block.options) } : block,
    ]),
  )
  return { ...out, provider }
}
