import { z } from "zod"
import { events } from "@tandem/core/bus/bus"
import { contractOf, ref, type Contract, type JsonSchema } from "./contract"

/** A route as Hono lists it in `app.routes`: one entry per handler, middleware included. */
type Registered = { method: string; path: string; handler: unknown }

function eventSchemas(schemas: Record<string, unknown>) {
  const names: string[] = []
  for (const def of events()) {
    const name =
      "Event" +
      def.name
        .split(/[._-]/)
        .map((w) => w[0]!.toUpperCase() + w.slice(1))
        .join("")
    names.push(name)
    schemas[name] = {
      type: "object",
      properties: {
        id: { type: "string", pattern: "^evt_" },
        type: { type: "string", enum: [def.name] },
        properties: componentRefs(z.toJSONSchema(def.schema, { unrepresentable: "any", reused: "inline" })),
      },
      required: ["id", "type", "properties"],
    }
  }
  schemas.Event = { anyOf: names.map(ref) }
  schemas.GlobalEvent = {
    type: "object",
    properties: { directory: { type: "string" }, payload: ref("Event") },
    required: ["directory", "payload"],
  }
}

/**
 * An event's schema as the document holds it: named schemas it uses are the components of the
 * same names, so its own `$defs` go and its `#/$defs/…` references point at the components.
 */
function componentRefs(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(componentRefs)
  if (!schema || typeof schema !== "object") return schema
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(schema)) {
    if (key === "$schema" || key === "$defs") continue
    out[key] =
      key === "$ref" && typeof value === "string"
        ? value.replace("#/$defs/", "#/components/schemas/")
        : componentRefs(value)
  }
  return out
}

/**
 * The OpenAPI 3.1 document of the routes an app has registered (`app.routes`): operations from
 * the contracts their handlers carry, components from the zod schemas and the event registry.
 */
export function openapi(routes: readonly Registered[], version: string) {
  const generated = z.toJSONSchema(z.globalRegistry, {
    uri: (id) => `#/components/schemas/${id}`,
    unrepresentable: "any",
  })
  const schemas: Record<string, unknown> = { ...(generated.schemas as Record<string, unknown>) }
  for (const schema of Object.values(schemas)) delete (schema as Record<string, unknown>).$schema
  eventSchemas(schemas)
  const paths: Record<string, Record<string, unknown>> = {}
  for (const { method, path, contract } of contracts(routes)) {
    if (!contract.id || !contract.summary) continue
    const openPath = path.replace(/:(\w+)/g, "{$1}")
    paths[openPath] ??= {}
    paths[openPath]![method] = operation(openPath, contract)
  }
  return { openapi: "3.1.1", info: { title: "tandem", version }, paths, components: { schemas } }
}

/** The parts of each route's contract, merged in the order its handlers run. */
function contracts(routes: readonly Registered[]) {
  const merged = new Map<string, { method: string; path: string; contract: Contract }>()
  for (const route of routes) {
    const part = contractOf(route.handler)
    if (!part) continue
    const method = route.method.toLowerCase()
    const key = `${method} ${route.path}`
    const entry = merged.get(key) ?? { method, path: route.path, contract: {} }
    Object.assign(entry.contract, part)
    merged.set(key, entry)
  }
  return merged.values()
}

function operation(path: string, contract: Contract) {
  const params = [...path.matchAll(/\{(\w+)\}/g)].map((m) => ({
    name: m[1],
    in: "path",
    required: true,
    schema: { type: "string" },
  }))
  const query = Object.entries(contract.query?.shape ?? {}).map(([name, schema]) => ({
    name,
    in: "query",
    required: !schema.safeParse(undefined).success,
    schema: schemaOf(schema),
  }))
  return {
    operationId: contract.id,
    summary: contract.summary,
    parameters: [...params, ...query],
    ...(contract.body ? { requestBody: { content: { "application/json": { schema: schemaOf(contract.body) } } } } : {}),
    responses: {
      200: {
        description: contract.summary,
        content: {
          [contract.media ?? (contract.stream ? "text/event-stream" : "application/json")]: {
            schema: schemaOf(contract.response),
          },
        },
      },
      400: { description: "Bad request", content: { "application/json": { schema: ref("BadRequestError") } } },
      404: { description: "Not found", content: { "application/json": { schema: ref("NotFoundError") } } },
    },
  }
}

/** A registered schema as a `$ref` to its component, an array of one as an array of refs, others inline. */
function schemaOf(schema: z.core.$ZodType | JsonSchema | undefined): JsonSchema {
  if (!schema) return {}
  if (!(schema instanceof z.core.$ZodType)) return schema
  const id = z.globalRegistry.get(schema)?.id
  if (id) return ref(id)
  if (schema instanceof z.ZodArray) return { type: "array", items: schemaOf(schema.element) }
  return componentRefs(z.toJSONSchema(schema, { unrepresentable: "any", reused: "inline" })) as JsonSchema
}
