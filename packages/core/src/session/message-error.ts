import { z } from "zod"

/** The provider a failed call went to, so its error can name it. */
export type CallTarget = { providerID: string; modelID: string }

/** A provider answered with an error status, or could not be reached. */
export const APIError = z
  .object({
    name: z.literal("APIError"),
    data: z.object({
      message: z.string(),
      statusCode: z.number().int().min(0).optional(),
      isRetryable: z.boolean(),
      responseHeaders: z.record(z.string(), z.string()).optional(),
      responseBody: z.string().optional(),
      metadata: z.record(z.string(), z.string()).optional(),
    }),
  })
  .meta({ id: "APIError" })
export type APIError = z.infer<typeof APIError>

/** The provider refused the credentials (401 or 403). */
export const ProviderAuthError = z
  .object({ name: z.literal("ProviderAuthError"), data: z.object({ providerID: z.string(), message: z.string() }) })
  .meta({ id: "ProviderAuthError" })

/** The model stopped at its output limit before finishing the turn. */
export const MessageOutputLengthError = z
  .object({ name: z.literal("MessageOutputLengthError"), data: z.object({ message: z.string() }) })
  .meta({ id: "MessageOutputLengthError" })

/** The request did not fit the model's context window. */
export const ContextOverflowError = z
  .object({
    name: z.literal("ContextOverflowError"),
    data: z.object({ message: z.string(), responseBody: z.string().optional() }),
  })
  .meta({ id: "ContextOverflowError" })

/** The turn was interrupted. */
export const MessageAbortedError = z
  .object({ name: z.literal("MessageAbortedError"), data: z.object({ message: z.string() }) })
  .meta({ id: "MessageAbortedError" })

/** Anything else, with its message. */
export const UnknownError = z
  .object({ name: z.literal("UnknownError"), data: z.object({ message: z.string(), ref: z.string().optional() }) })
  .meta({ id: "UnknownError" })

/** A failure stored on an assistant message: one of opencode's named, serialisable errors. */
export const MessageError = z
  .discriminatedUnion("name", [
    ProviderAuthError,
    UnknownError,
    MessageOutputLengthError,
    MessageAbortedError,
    ContextOverflowError,
    APIError,
  ])
  .meta({ id: "MessageError" })
export type MessageError = z.infer<typeof MessageError>

type Thrown = {
  name?: string
  message?: string
  statusCode?: number
  isRetryable?: boolean
  url?: string
  responseHeaders?: Record<string, string>
  responseBody?: string
  cause?: unknown
}

/** Where a request went, without credentials a URL may carry. */
function address(url: string | undefined) {
  const parsed = url ? URL.parse(url) : null
  return parsed ? `${parsed.origin}${parsed.pathname}` : undefined
}

/** How providers word "the prompt is longer than the context window" in an error status. */
const overflow =
  /context[_ ]length|context window|maximum context|prompt is too long|too many tokens|input is too long|exceeds the (?:model's )?(?:maximum|context)|request too large/i

/** Whether a provider's error answer says the request did not fit the model's context. */
export function isContextOverflow(record: Pick<Thrown, "statusCode" | "message" | "responseBody">) {
  if (record.statusCode === 413) return true
  if (record.statusCode !== undefined && record.statusCode !== 400) return false
  return overflow.test(`${record.message ?? ""} ${record.responseBody ?? ""}`)
}

/** The error of a step that ended at the output limit (`finishReason: "length"`). */
export function outputLengthError(): MessageError {
  return {
    name: "MessageOutputLengthError",
    data: { message: "the model reached its output token limit before finishing" },
  }
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
      data: { message: `provider "${providerID}" refused the credentials: ${message}`, providerID },
    }
  if (record.statusCode !== undefined && isContextOverflow(record))
    return { name: "ContextOverflowError", data: { message, responseBody: record.responseBody } }
  if (record.statusCode !== undefined)
    return {
      name: "APIError",
      data: {
        message,
        statusCode: record.statusCode,
        isRetryable: record.isRetryable ?? false,
        responseHeaders: record.responseHeaders,
        responseBody: record.responseBody,
      },
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
