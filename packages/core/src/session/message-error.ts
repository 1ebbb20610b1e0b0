import type { MessageError } from "./message"

/** The provider a failed call went to, so its error can name it. */
export type CallTarget = { providerID: string; modelID: string }

type Thrown = {
  name?: string
  message?: string
  statusCode?: number
  isRetryable?: boolean
  url?: string
  cause?: unknown
}

/** Where a request went, without credentials a URL may carry. */
function address(url: string | undefined) {
  const parsed = url ? URL.parse(url) : null
  return parsed ? `${parsed.origin}${parsed.pathname}` : undefined
}

/**
 * Turns anything thrown by a provider or the SDK into a named, serialisable message error. An
 * error that never reached an answer (connection refused, DNS, TLS, a deadline) names the
 * provider and the address it tried, since the SDK's own "Cannot connect to API" names neither.
 */
export function toMessageError(error: unknown, aborted: boolean, target?: CallTarget): MessageError {
  if (aborted) return { name: "MessageAbortedError", data: { message: "The operation was aborted." } }
  const record = (error ?? {}) as Thrown
  const message = record.message || String(error)
  const providerID = target?.providerID ?? ""
  if (record.statusCode === 401 || record.statusCode === 403)
    return {
      name: "ProviderAuthError",
      data: {
        message: `provider "${providerID}" refused the credentials: ${message}`,
        providerID,
        statusCode: record.statusCode,
      },
    }
  if (record.statusCode !== undefined)
    return {
      name: "APIError",
      data: { message, statusCode: record.statusCode, isRetryable: record.isRetryable ?? false },
    }
  if (record.name === "AI_APICallError" || record.name === "TimeoutError") {
    const where = address(record.url)
    const cause = record.cause instanceof Error && record.cause.message !== message ? ` (${record.cause.message})` : ""
    const named = target
      ? `cannot reach provider "${providerID}" (model ${target.modelID})${where ? ` at ${where}` : ""}: ${message}${cause}`
      : message
    return { name: "APIError", data: { message: named, isRetryable: record.isRetryable ?? true } }
  }
  return { name: "UnknownError", data: { message } }
}
