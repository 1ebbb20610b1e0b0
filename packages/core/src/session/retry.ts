import { APICallError } from "ai"

/** What to do about a failed model call: give up, or try again after a delay. */
export type RetryDecision = { retry: false } | { retry: true; delayMs?: number; reason: string }

/** A stream that broke off or carried something unreadable: the provider may do better next time. */
const malformed = new Set(["AI_InvalidResponseDataError", "AI_JSONParseError", "AI_TypeValidationError"])

const transientCodes = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
  "UND_ERR_SOCKET",
  "ConnectionRefused",
  "ConnectionClosed",
])

/** Delay a `retry-after` / `retry-after-ms` header asks for, in ms. */
export function retryAfter(headers: Record<string, string> | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined
  const ms = Number(headers["retry-after-ms"])
  if (Number.isFinite(ms) && ms >= 0) return ms
  const value = headers["retry-after"]
  if (value === undefined) return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

/**
 * Whether a failure is worth another try: rate limits and server errors (429, 5xx, 408, 409),
 * dropped or refused connections, timeouts, and streams that broke off or could not be read.
 */
export function classify(error: unknown): RetryDecision {
  if (APICallError.isInstance(error)) {
    if (!error.isRetryable) return { retry: false }
    return {
      retry: true,
      delayMs: retryAfter(error.responseHeaders),
      reason: `${error.statusCode ?? "network"}: ${error.message}`,
    }
  }
  const record = (error ?? {}) as { name?: string; code?: string; message?: string; cause?: unknown }
  if (record.name && malformed.has(record.name)) return { retry: true, reason: record.message ?? record.name }
  if (record.name === "TimeoutError" || record.name === "ModelCallIdleError")
    return { retry: true, reason: record.message ?? "timed out" }
  if (record.code && transientCodes.has(record.code)) return { retry: true, reason: record.message ?? record.code }
  if (record.name === "TypeError" && /fetch|socket|network|connect/i.test(record.message ?? ""))
    return { retry: true, reason: record.message! }
  if (record.cause && record.cause !== error) return classify(record.cause)
  return { retry: false }
}

/** Exponential back-off: initial × 2^(attempt-1), capped; a server's own delay wins. */
export function backoff(attempt: number, settings: { initial_delay_ms: number; max_delay_ms: number }, asked?: number) {
  if (asked !== undefined) return asked
  return Math.min(settings.max_delay_ms, settings.initial_delay_ms * 2 ** (attempt - 1))
}

/** Waits `ms` before a retry, or less if the signal aborts first. */
export function sleep(ms: number, signal: AbortSignal) {
  return new Promise<void>((resolve) => {
    if (signal.aborted || ms <= 0) return resolve()
    const done = () => {
      clearTimeout(timer)
      signal.removeEventListener("abort", done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal.addEventListener("abort", done, { once: true })
  })
}
