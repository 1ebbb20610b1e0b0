import type { MiddlewareHandler } from "hono"
import type { Secrets } from "@tandem/core/config/secrets"

/**
 * Masks every secret value in JSON answers, wherever it sits: a config field, a provider's
 * options, an agent's prompt, or an error message a provider echoed. Event streams are masked
 * where each event is serialised (routes/event.ts), since they cannot be buffered.
 */
export function maskSecrets(secrets: Secrets): MiddlewareHandler {
  return async (c, next) => {
    await next()
    if (secrets.size === 0 || !c.res.headers.get("content-type")?.startsWith("application/json")) return
    const text = await c.res.text()
    let masked: string
    try {
      masked = JSON.stringify(secrets.maskJson(JSON.parse(text)))
    } catch {
      masked = secrets.mask(text)
    }
    const headers = new Headers(c.res.headers)
    headers.delete("content-length")
    c.res = new Response(masked, { status: c.res.status, statusText: c.res.statusText, headers })
  }
}
