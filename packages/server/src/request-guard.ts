import type { Context, MiddlewareHandler } from "hono"
import { timingSafeEqual } from "node:crypto"
import { isIP } from "node:net"

export type RequestGuardOptions = {
  /** The host name the server was asked to listen on; it is served besides the loopback names. */
  hostname?: string
  /** More host names to serve (`tandem.server.hosts`), for a server reached through a proxy or a LAN name. */
  hosts?: string[]
  /** Origins of browser pages allowed to call the API (`tandem.server.cors`). */
  cors?: string[]
  /** Largest request body accepted, in bytes. */
  maxBodyBytes: number
}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "::1", "[::1]"])
const WILDCARD = new Set(["0.0.0.0", "::", "[::]"])
const STATE_CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"])

const refuse = (c: Context, status: 403 | 413 | 415, name: string, message: string) =>
  c.json({ name, data: { message } }, status)

/** The host name a request was addressed to, without port or IPv6 brackets. */
function requestHost(c: Context) {
  const host = c.req.header("host") ?? new URL(c.req.url).host
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(host)
  if (bracketed) return bracketed[1]!.toLowerCase()
  return host.replace(/:\d+$/, "").toLowerCase()
}

/**
 * Whether a request's Host may be served: loopback names, the configured hostname and extra
 * hosts. A server listening on every interface also answers to IP literals, which no DNS
 * rebinding can forge; a foreign DNS name is refused, since a page that rebinds one to this
 * machine would otherwise reach an unprotected server.
 */
function hostAllowed(host: string, options: RequestGuardOptions) {
  if (LOOPBACK.has(host) || (isIP(host) === 4 && host.startsWith("127."))) return true
  const configured = options.hostname?.toLowerCase()
  if (configured && !WILDCARD.has(configured) && host === configured) return true
  if (options.hosts?.some((allowed) => allowed.toLowerCase() === host)) return true
  return configured !== undefined && WILDCARD.has(configured) && isIP(host) !== 0
}

/** The origin of the server as the request addressed it. */
function ownOrigin(c: Context) {
  const url = new URL(c.req.url)
  return `${url.protocol}//${c.req.header("host") ?? url.host}`
}

/**
 * Refuses what a hostile page or client could use against a local server before any route
 * runs: foreign Host names (403), state-changing requests from another origin's page unless
 * allowed by `cors` (403), bodies over the limit (413) and bodies that are not JSON (415).
 * Allowed origins get CORS headers, preflights included.
 */
export function requestGuard(options: RequestGuardOptions): MiddlewareHandler {
  const allowedOrigins = new Set(options.cors ?? [])
  return async (c, next) => {
    const host = requestHost(c)
    if (!hostAllowed(host, options))
      return refuse(c, 403, "ForbiddenHost", `host "${host}" is not served; add it to tandem.server.hosts to allow it`)
    const origin = c.req.header("origin")
    const corsAllowed = origin !== undefined && allowedOrigins.has(origin)
    if (corsAllowed) {
      c.header("access-control-allow-origin", origin)
      c.header("vary", "Origin")
    }
    if (c.req.method === "OPTIONS" && corsAllowed) {
      c.header("access-control-allow-methods", "GET, POST, PUT, PATCH, DELETE")
      c.header("access-control-allow-headers", c.req.header("access-control-request-headers") ?? "content-type")
      return c.body(null, 204)
    }
    if (STATE_CHANGING.has(c.req.method)) {
      const site = c.req.header("sec-fetch-site")
      const foreign =
        (origin !== undefined && origin !== ownOrigin(c) && !corsAllowed) ||
        ((site === "cross-site" || site === "same-site") && !corsAllowed)
      if (foreign)
        return refuse(
          c,
          403,
          "ForbiddenOrigin",
          `requests from ${origin ?? "another site"} may not change state; list the origin in tandem.server.cors to allow it`,
        )
      const declared = c.req.header("content-length")
      const length =
        declared !== undefined ? Number(declared) : await readCapped(c, options.maxBodyBytes).catch(() => Infinity)
      if (length > options.maxBodyBytes)
        return refuse(
          c,
          413,
          "PayloadTooLarge",
          `request body of ${length} bytes is over the limit of ${options.maxBodyBytes}`,
        )
      const type = c.req.header("content-type") ?? ""
      if (length > 0 && !/^application\/(.+\+)?json\b/i.test(type))
        return refuse(
          c,
          415,
          "UnsupportedMediaType",
          `request body must be JSON (content-type: application/json), not "${type || "none"}"`,
        )
    }
    await next()
  }
}

/**
 * Reads a body sent without a length (chunked) while counting it, stopping as soon as it passes
 * `max` so an endless body costs at most `max` bytes. A body within the limit is kept in Hono's
 * body cache, where the routes read it. Returns the bytes read (more than `max` when cut off).
 */
async function readCapped(c: Context, max: number) {
  const body = c.req.raw.body
  if (!body) return 0
  const chunks: Uint8Array[] = []
  let length = 0
  const reader = body.getReader()
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    length += next.value.byteLength
    if (length > max) {
      await reader.cancel().catch(() => undefined)
      return length
    }
    chunks.push(next.value)
  }
  const whole = new Uint8Array(length)
  let offset = 0
  for (const chunk of chunks) {
    whole.set(chunk, offset)
    offset += chunk.byteLength
  }
  // Hono keeps promises in its body cache, though its type names the values.
  const cache = c.req.bodyCache as unknown as Record<string, Promise<ArrayBuffer>>
  cache.arrayBuffer = Promise.resolve(whole.buffer)
  return length
}

/** Compares a given password with the expected one in time that does not depend on where they differ. */
export function passwordMatches(given: string, expected: string) {
  const a = new Bun.CryptoHasher("sha256").update(given).digest()
  const b = new Bun.CryptoHasher("sha256").update(expected).digest()
  return timingSafeEqual(a, b)
}
