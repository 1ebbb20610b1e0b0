/**
 * A structural comparison of two JSON schemas from two OpenAPI documents: whether every value
 * the first ("ours") allows is one the second ("theirs") accepts, as far as shapes go. Objects:
 * every property theirs requires is present and required in ours, and every property both
 * declare is compatible. Unions: each of our variants fits one of theirs. Enums and consts:
 * ours are a subset. `integer` and `number` are taken as one type; patterns and formats are ignored.
 */
export type Schema = Record<string, unknown>
export type Doc = { components: { schemas: Record<string, Schema> } }

type Side = { doc: Doc; schema: Schema }

/** A schema with its `$ref` followed (within the document it came from). */
function resolve(doc: Doc, schema: Schema, seen = new Set<string>()): Schema | string {
  const ref = schema.$ref
  if (typeof ref !== "string") return schema
  const name = ref.startsWith("#/components/schemas/") ? ref.slice("#/components/schemas/".length) : undefined
  const target = name ? doc.components.schemas[name] : undefined
  if (!target) return `unresolved $ref ${ref}`
  if (seen.has(ref)) return target
  seen.add(ref)
  return resolve(doc, target, seen)
}

function variants(schema: Schema) {
  return (schema.anyOf ?? schema.oneOf) as Schema[] | undefined
}

function types(schema: Schema): Set<string> | undefined {
  const type = schema.type
  if (type === undefined) return undefined
  const list = (Array.isArray(type) ? type : [type]) as string[]
  return new Set(list.map((t) => (t === "integer" ? "number" : t)))
}

function values(schema: Schema): unknown[] | undefined {
  if ("const" in schema) return [schema.const]
  return schema.enum as unknown[] | undefined
}

/** Where ours does not fit theirs, one line per problem, each starting with its path. */
export function compareSchemas(ours: Side, theirs: Side, path: string, depth = 0): string[] {
  const mine = resolve(ours.doc, ours.schema)
  const other = resolve(theirs.doc, theirs.schema)
  if (typeof mine === "string") return [`${path}: ours has an ${mine}`]
  if (typeof other === "string") return [`${path}: theirs has an ${other}`]
  if (depth > 40) return []
  const at = (schema: Schema, side: Side) => ({ doc: side.doc, schema })

  const mineUnion = variants(mine)
  if (mineUnion)
    return mineUnion.flatMap((variant, i) =>
      compareSchemas(at(variant, ours), at(other, theirs), `${path}|${i}`, depth + 1),
    )
  const otherUnion = variants(other)
  if (otherUnion) {
    // The variant ours is closest to explains the misfit; one whose tag ours does not carry is furthest.
    const weight = (problems: string[]) => problems.reduce((n, p) => n + (p.includes("theirs only") ? 100 : 1), 0)
    let best: string[] | undefined
    for (const variant of otherUnion) {
      const problems = compareSchemas(at(mine, ours), at(variant, theirs), path, depth + 1)
      if (!problems.length) return []
      if (!best || weight(problems) < weight(best)) best = problems
    }
    return best ?? []
  }

  const theirTypes = types(other)
  const myTypes = types(mine)
  if (theirTypes) {
    if (!myTypes) return [`${path}: ours is untyped, theirs is ${[...theirTypes].join("|")}`]
    const extra = [...myTypes].filter((t) => !theirTypes.has(t))
    if (extra.length) return [`${path}: ours is ${[...myTypes].join("|")}, theirs is ${[...theirTypes].join("|")}`]
  }
  const theirValues = values(other)
  const myValues = values(mine)
  if (theirValues) {
    if (!myValues) return [`${path}: ours allows any value, theirs only ${JSON.stringify(theirValues)}`]
    const extra = myValues.filter((v) => !theirValues.includes(v))
    if (extra.length)
      return [`${path}: ours allows ${JSON.stringify(extra)}, theirs only ${JSON.stringify(theirValues)}`]
  }

  const problems: string[] = []
  const theirProps = (other.properties ?? {}) as Record<string, Schema>
  const myProps = (mine.properties ?? {}) as Record<string, Schema>
  const myRequired = new Set((mine.required ?? []) as string[])
  for (const name of (other.required ?? []) as string[]) {
    if (!(name in myProps)) problems.push(`${path}.${name}: required by theirs, missing in ours`)
    else if (!myRequired.has(name)) problems.push(`${path}.${name}: required by theirs, optional in ours`)
  }
  for (const [name, schema] of Object.entries(theirProps)) {
    if (!(name in myProps)) continue
    problems.push(...compareSchemas(at(myProps[name]!, ours), at(schema, theirs), `${path}.${name}`, depth + 1))
  }
  const theirItems = other.items as Schema | undefined
  const myItems = mine.items as Schema | undefined
  if (theirItems && myItems)
    problems.push(...compareSchemas(at(myItems, ours), at(theirItems, theirs), `${path}[]`, depth + 1))
  const theirExtra = other.additionalProperties
  const myExtra = mine.additionalProperties
  if (theirExtra && typeof theirExtra === "object" && myExtra && typeof myExtra === "object")
    problems.push(
      ...compareSchemas(at(myExtra as Schema, ours), at(theirExtra as Schema, theirs), `${path}{}`, depth + 1),
    )
  return problems
}

/** Every `$ref` in a document that does not name one of its components. */
export function danglingRefs(doc: Doc) {
  const dangling = new Set<string>()
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(walk)
    if (!value || typeof value !== "object") return
    for (const [key, inner] of Object.entries(value)) {
      if (key === "$ref" && typeof inner === "string" && typeof resolve(doc, { $ref: inner }) === "string")
        dangling.add(inner)
      else walk(inner)
    }
  }
  walk(doc)
  return [...dangling]
}
