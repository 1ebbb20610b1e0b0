import type { Context } from "hono"
import { z } from "zod"

/** opencode's error bodies: a name and data with a message. */
export const BadRequestError = z
  .object({
    name: z.literal("BadRequest"),
    data: z.object({ message: z.string(), kind: z.enum(["Params", "Query", "Body"]).optional() }),
  })
  .meta({ id: "BadRequestError" })
export const NotFoundError = z
  .object({ name: z.literal("NotFoundError"), data: z.object({ message: z.string() }) })
  .meta({ id: "NotFoundError" })

export function badRequest(c: Context, message: string, kind: "Params" | "Query" | "Body" = "Body") {
  return c.json({ name: "BadRequest" as const, data: { message, kind } }, 400)
}

export function notFound(c: Context, message: string) {
  return c.json({ name: "NotFoundError" as const, data: { message } }, 404)
}

/** Reads and validates a JSON body; an empty body counts as `{}`. */
export async function readBody<S extends z.ZodType>(
  c: Context,
  schema: S,
): Promise<{ ok: true; data: z.infer<S> } | { ok: false; message: string }> {
  const text = await c.req.text()
  let raw: unknown = {}
  if (text.trim()) {
    try {
      raw = JSON.parse(text)
    } catch (error) {
      return { ok: false, message: `body is not valid JSON: ${error instanceof Error ? error.message : String(error)}` }
    }
  }
  const parsed = schema.safeParse(raw)
  if (!parsed.success) return { ok: false, message: z.prettifyError(parsed.error) }
  return { ok: true, data: parsed.data }
}

/** Validates query parameters against a schema. */
export function readQuery<S extends z.ZodType>(c: Context, schema: S) {
  const parsed = schema.safeParse(c.req.query())
  if (!parsed.success) return { ok: false as const, message: z.prettifyError(parsed.error) }
  return { ok: true as const, data: parsed.data as z.infer<S> }
}
