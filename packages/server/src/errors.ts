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

export const ConflictError = z
  .object({ name: z.literal("ConflictError"), data: z.object({ message: z.string() }) })
  .meta({ id: "ConflictError" })

export function conflict(c: Context, message: string) {
  return c.json({ name: "ConflictError" as const, data: { message } }, 409)
}
