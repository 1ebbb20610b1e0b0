import type { Context, Env, MiddlewareHandler } from "hono"
import { z } from "zod"
import { badRequest } from "./errors"
import { documented } from "./contract"

// Validators run before the handler, which reads what they checked with `c.req.valid(target)`.
// A failure answers 400 in opencode's shape with zod's account of what is wrong, and the
// handler never runs. body() and query() also carry their schema into the route's contract,
// so the OpenAPI document states exactly what is checked.

type Validated<Target extends "json" | "query" | "param", S extends z.ZodType> = MiddlewareHandler<
  Env,
  string,
  { in: { [K in Target]: z.input<S> }; out: { [K in Target]: z.output<S> } }
>

/** Parses the JSON body (an empty body counts as `{}`) and validates it against `schema`. */
export function body<S extends z.ZodType>(schema: S): Validated<"json", S> {
  const check: Validated<"json", S> = async (c, next) => {
    const raw = await readJson(c)
    if (!raw.ok) return badRequest(c, raw.message)
    const parsed = schema.safeParse(raw.data)
    if (!parsed.success) return badRequest(c, z.prettifyError(parsed.error))
    c.req.addValidatedData("json", parsed.data as {})
    await next()
  }
  return documented(check, { body: schema })
}

/** Validates the query parameters against `schema`, each key one parameter. */
export function query<S extends z.ZodObject>(schema: S): Validated<"query", S> {
  const check: Validated<"query", S> = async (c, next) => {
    const parsed = schema.safeParse(c.req.query())
    if (!parsed.success) return badRequest(c, z.prettifyError(parsed.error), "Query")
    c.req.addValidatedData("query", parsed.data)
    await next()
  }
  return documented(check, { query: schema })
}

/** Validates the path parameters against `schema` (the document lists them from the path). */
export function params<S extends z.ZodObject>(schema: S): Validated<"param", S> {
  return async (c, next) => {
    const parsed = schema.safeParse(c.req.param())
    if (!parsed.success) return badRequest(c, z.prettifyError(parsed.error), "Params")
    c.req.addValidatedData("param", parsed.data)
    await next()
  }
}

async function readJson(c: Context): Promise<{ ok: true; data: unknown } | { ok: false; message: string }> {
  const text = await c.req.text()
  if (!text.trim()) return { ok: true, data: {} }
  try {
    return { ok: true, data: JSON.parse(text) }
  } catch (error) {
    return { ok: false, message: `body is not valid JSON: ${error instanceof Error ? error.message : String(error)}` }
  }
}
