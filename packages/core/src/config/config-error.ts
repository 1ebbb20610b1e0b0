import type { z } from "zod"

/** One thing wrong in a config file, and where, when that is known. */
export type ConfigProblem = {
  message: string
  /** 1-based line and column in the file as written. */
  line?: number
  column?: number
  /** The text of that line, shown under the message with a caret. */
  source?: string
}

function formatProblem(file: string, problem: ConfigProblem) {
  if (problem.line === undefined || problem.column === undefined) return `${file}: ${problem.message}`
  const head = `${file}:${problem.line}:${problem.column}: ${problem.message}`
  if (problem.source === undefined) return head
  const gutter = String(problem.line)
  // Tabs are kept under the caret so that it lines up however wide the terminal draws them.
  const pad = problem.source.slice(0, problem.column - 1).replace(/[^\t]/g, " ")
  return `${head}\n  ${gutter} | ${problem.source}\n  ${" ".repeat(gutter.length)} | ${pad}^`
}

/** A config file that could not be read, with the file and what is wrong (and where, when known). */
export class ConfigError extends Error {
  override name = "ConfigError"
  readonly problems: ConfigProblem[]
  constructor(
    readonly file: string,
    problems: string | ConfigProblem[],
  ) {
    const list = typeof problems === "string" ? [{ message: problems }] : problems
    super(list.map((problem) => formatProblem(file, problem)).join("\n"))
    this.problems = list
  }

  /** What is wrong, without the file name and positions. */
  get problem() {
    return this.problems.map((problem) => problem.message).join("; ")
  }
}

const typeNames: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "an integer",
  boolean: "true or false",
  object: "an object",
  record: "an object",
  array: "an array",
}

/** A value as a message quotes it: short JSON for scalars, its kind for the rest. */
function shown(value: unknown) {
  if (value === undefined) return "nothing"
  if (Array.isArray(value)) return "an array"
  if (value !== null && typeof value === "object") return "an object"
  const json = JSON.stringify(value)
  return json.length > 60 ? json.slice(0, 57) + "…" : json
}

/** A JSON path as a reader writes it: `permission.bash`, `provider["my.host"].models`, `x[0]`. */
export function formatPath(path: readonly PropertyKey[]) {
  if (!path.length) return "(top level)"
  return path
    .map((part, index) =>
      typeof part === "number"
        ? `[${part}]`
        : /^[A-Za-z_$][\w$-]*$/.test(String(part))
          ? `${index ? "." : ""}${String(part)}`
          : `[${JSON.stringify(String(part))}]`,
    )
    .join("")
}

function valueAt(root: unknown, path: readonly PropertyKey[]) {
  let current = root
  for (const part of path) {
    if (current === null || typeof current !== "object" || !Object.hasOwn(current, part)) return undefined
    current = (current as Record<PropertyKey, unknown>)[part]
  }
  return current
}

type Leaf = z.core.$ZodIssue & { at: PropertyKey[] }

/** How deep into the document an issue reaches, through the branches of unions. */
function reach(issue: z.core.$ZodIssue, prefix: PropertyKey[]): number {
  const at = [...prefix, ...issue.path]
  if (issue.code !== "invalid_union" || !issue.errors.length) return at.length
  return Math.max(...issue.errors.flatMap((branch) => branch.map((inner) => reach(inner, at))))
}

/**
 * The places an issue went wrong, each a group of failures to explain together. A union (e.g.
 * `permission`: an action, or an object of them) is explained by the alternative that got
 * furthest into the value, since that is the one the user meant; alternatives that fail equally
 * deep are merged into one "expected … or …".
 */
export function explain(issue: z.core.$ZodIssue, prefix: PropertyKey[] = []): Leaf[][] {
  const at = [...prefix, ...issue.path]
  if (issue.code !== "invalid_union" || !issue.errors.length) return [[{ ...issue, at }]]
  const depths = issue.errors.map((branch) => Math.max(...branch.map((inner) => reach(inner, at))))
  const best = Math.max(...depths)
  const winners = issue.errors.filter((_, k) => depths[k] === best)
  if (winners.length === 1) return winners[0]!.flatMap((inner) => explain(inner, at))
  const leaves = winners.flatMap((branch) => branch.flatMap((inner) => explain(inner, at).flat()))
  const deepest = leaves.filter((leaf) => leaf.at.length === best)
  const place = JSON.stringify(deepest[0]!.at)
  return [deepest.filter((leaf) => JSON.stringify(leaf.at) === place)]
}

/**
 * Failures at one place as a user reads them: what was given and what is allowed there
 * (`"sometimes" is not one of allow, ask, deny`).
 */
export function describe(group: Leaf[], raw: unknown) {
  const at = group[0]!.at
  const given = valueAt(raw, at)
  const options = group.flatMap((leaf) => (leaf.code === "invalid_value" ? leaf.values : []))
  if (options.length && options.every((option) => typeof option === typeof given))
    return `${shown(given)} is not ${options.length > 1 ? "one of " : ""}${options.map(String).join(", ")}`
  const unit = (origin: string) => (origin === "number" ? "" : origin === "string" ? " characters" : " items")
  const expected = [
    ...new Set(
      group.map((leaf) => {
        if (leaf.code === "invalid_value")
          return leaf.values.length > 1 ? `one of ${leaf.values.map(String).join(", ")}` : String(leaf.values[0])
        if (leaf.code === "invalid_type") return typeNames[leaf.expected] ?? leaf.expected
        if (leaf.code === "too_small")
          return `${leaf.inclusive ? "at least" : "more than"} ${String(leaf.minimum)}${unit(leaf.origin)}`
        if (leaf.code === "too_big")
          return `${leaf.inclusive ? "at most" : "less than"} ${String(leaf.maximum)}${unit(leaf.origin)}`
        return leaf.message
      }),
    ),
  ]
  if (given === undefined) return `missing; expected ${expected.join(" or ")}`
  return `expected ${expected.join(" or ")}, got ${shown(given)}`
}
