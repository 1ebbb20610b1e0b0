import type { RetryConfig } from "../config/config"

/** A provider that stayed silent past one of the call's deadlines; retried like any timeout. */
export class ProviderTimeoutError extends Error {
  override name = "TimeoutError"
}

export type FetchDeadlines = {
  /** From the request leaving until the response headers arrive (connecting included). */
  headersMs: number
  /** Before the first chunk of the body, and between any two later chunks. */
  chunkMs: number
}

/** The deadlines the retry settings give a model call. */
export function deadlinesOf(retry: Pick<RetryConfig, "headers_timeout_ms" | "idle_timeout_ms">): FetchDeadlines {
  return { headersMs: retry.headers_timeout_ms, chunkMs: retry.idle_timeout_ms }
}

/**
 * A `fetch` for provider adapters that gives up on a silent provider: no response headers
 * within `headersMs`, or a body that sends nothing for `chunkMs`, aborts the request with a
 * `ProviderTimeoutError`. The caller's own abort signal still works as before.
 */
export function timedFetch(deadlines: FetchDeadlines, base: typeof fetch = fetch): typeof fetch {
  const timed = async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    const controller = new AbortController()
    const outer = init?.signal
    const follow = () => controller.abort(outer?.reason)
    if (outer?.aborted) follow()
    outer?.addEventListener("abort", follow, { once: true })
    const release = () => outer?.removeEventListener("abort", follow)
    const expire = (what: string, ms: number) =>
      setTimeout(() => controller.abort(new ProviderTimeoutError(`the provider sent ${what} for ${ms} ms`)), ms)
    const ours = (error: unknown) =>
      controller.signal.reason instanceof ProviderTimeoutError ? controller.signal.reason : error

    const headers = expire("no response headers", deadlines.headersMs)
    let response: Response
    try {
      response = await base(input, { ...init, signal: controller.signal })
    } catch (error) {
      release()
      throw ours(error)
    } finally {
      clearTimeout(headers)
    }
    if (!response.body) {
      release()
      return response
    }
    const reader = response.body.getReader()
    const body = new ReadableStream<Uint8Array>({
      async pull(sink) {
        const idle = expire("nothing", deadlines.chunkMs)
        try {
          const { done, value } = await reader.read()
          if (done) {
            release()
            sink.close()
          } else sink.enqueue(value)
        } catch (error) {
          release()
          sink.error(ours(error))
        } finally {
          clearTimeout(idle)
        }
      },
      cancel(reason) {
        release()
        return reader.cancel(reason)
      },
    })
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers })
  }
  return Object.assign(timed, { preconnect: fetch.preconnect }) as typeof fetch
}
