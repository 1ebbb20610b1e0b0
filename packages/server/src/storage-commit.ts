import type { MiddlewareHandler } from "hono"
import { z } from "zod"
import type { WriteGroup } from "@tandem/core/storage/write-group"

/** The body of a 503: a change that was not stored, and why. */
export const StorageError = z
  .object({ name: z.literal("StorageError"), data: z.object({ message: z.string() }) })
  .meta({ id: "StorageError" })

const READS = new Set(["GET", "HEAD", "OPTIONS"])

/** Whether an error thrown by a write comes from the database (locked, read-only, full, I/O). */
export function isStorageError(error: unknown) {
  return (
    error instanceof Error &&
    (error.name === "SQLiteError" || /^SQLITE_/.test(String((error as { code?: unknown }).code)))
  )
}

/**
 * The 503 body naming why a change was not stored: SQLite's message, with its extended code
 * where it says more (a full disk or a file-size limit is "disk I/O error (SQLITE_IOERR_WRITE)"
 * or "database or disk is full (SQLITE_FULL)").
 */
export function storageFailure(cause: unknown): z.infer<typeof StorageError> {
  const code = (cause as { code?: unknown } | undefined)?.code
  const detail = typeof code === "string" && code.startsWith("SQLITE_") ? ` (${code})` : ""
  const reason = cause instanceof Error ? cause.message + detail : String(cause)
  return { name: "StorageError", data: { message: `the change was not stored: ${reason}` } }
}

/**
 * A request that changes state is answered only once its writes are committed (group commit:
 * they would otherwise commit after the answer). If a commit failed meanwhile, the answer is a
 * 503 naming the cause instead of a success for something that was never stored.
 */
export function commitBeforeAnswer(writes: WriteGroup): MiddlewareHandler {
  return async (c, next) => {
    if (READS.has(c.req.method)) return next()
    const since = writes.failures
    await next()
    const failure = await writes.committed(since)
    if (failure === undefined) return
    c.res = undefined
    c.res = c.json(storageFailure(failure), 503)
  }
}
