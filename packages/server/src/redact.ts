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
