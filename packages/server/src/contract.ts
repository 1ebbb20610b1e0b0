import type { MiddlewareHandler } from "hono"
import type { z } from "zod"

/** A JSON Schema written by hand, for what has no zod schema (the event unions). */
export type JsonSchema = Record<string, unknown>

/**
 * What a route promises, as the OpenAPI document states it. Each middleware of a route may carry
 * a part: `describe` the operation, the validators the body and query they check. The document
 * merges the parts of every route the app has registered (`app.routes`), so a route is
 * documented by the same call that registers it.
 */
export type Contract = {
  /** The operationId: opencode 1.18.33's where the route is opencode's. */
  id?: string
  summary?: string
  /** The JSON body; a schema with a registered id becomes a `$ref`. */
  body?: z.ZodType
  /** The query parameters, one per key. */
  query?: z.ZodObject
  /** The 200 answer; `{}` (anything) when left out. */
  response?: z.ZodType | JsonSchema
  /** Answers with server-sent events instead of JSON. */
  stream?: boolean
  /** Answers with this media type instead of JSON (the monitor's pages and assets). */
  media?: string
}

const CONTRACT = Symbol("contract")

/** Marks a middleware with its part of the route's contract. */
export function documented<M extends MiddlewareHandler>(middleware: M, contract: Contract) {
  return Object.assign(middleware, { [CONTRACT]: contract })
}

/** The part of a contract a registered handler carries, if any. */
export function contractOf(handler: unknown): Contract | undefined {
  if (typeof handler !== "function") return undefined
  return (handler as { [CONTRACT]?: Contract })[CONTRACT]
}

type Operation = Required<Pick<Contract, "id" | "summary">> & Pick<Contract, "response" | "stream" | "media">

/**
 * The route's operation, as the first handler after the path: `app.get(path, describe({ id,
 * summary, response }), …validators, handler)`. It only documents; the request passes through.
 */
export function describe(operation: Operation) {
  return documented<MiddlewareHandler>(async (_c, next) => next(), operation)
}

/** A reference to a schema of the document's components. */
export const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` })
