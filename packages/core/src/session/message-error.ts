import type { MessageError } from "./message"

/** Turns anything thrown by a provider or the SDK into a named, serialisable message error. */
export function toMessageError(error: unknown, aborted: boolean): MessageError {
  if (aborted) return { name: "MessageAbortedError", data: { message: "The operation was aborted." } }
  const record = (error ?? {}) as { name?: string; message?: string; statusCode?: number; isRetryable?: boolean }
  const message = record.message || String(error)
  if (record.statusCode === 401 || record.statusCode === 403)
    return { name: "ProviderAuthError", data: { message, providerID: "", statusCode: record.statusCode } }
  if (record.statusCode !== undefined || record.name === "AI_APICallError")
    return {
      name: "APIError",
      data: { message, statusCode: record.statusCode, isRetryable: record.isRetryable ?? false },
    }
  return { name: "UnknownError", data: { message } }
}
