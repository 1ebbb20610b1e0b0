import { Isolation } from "../agent/isolation"
import { z } from "zod"
import { existsSync, readFileSync } from "node:fs"
import os from "node:os"
import path from "node:path"
import { mergeDeep } from "remeda"
import { parseJsoncDocument, positionAt } from "./jsonc"
import type { Secrets } from "./secrets"

export const PermissionAction = z.enum(["allow", "ask", "deny"])
export type PermissionAction = z.infer<typeof PermissionAction>

/** Per tool: one action, or actions per wildcard pattern. */
export const PermissionConfig = z.union([
  PermissionAction,
  z.record(z.string(), z.union([PermissionAction, z.record(z.string(), PermissionAction)])),
])
export type PermissionConfig = z.infer<typeof PermissionConfig>

export const ModelConfig = z
  .object({
    id: z.string().optional(),
    name: z.string().optional(),
    cost: z.object({ input: z.number(), output: z.number(), cache_read: z.number().optional() }).partial().optional(),
    limit: z.object({ context: z.number(), output: z.number() }).partial().optional(),
  })
  .loose()

export const ProviderConfig = z
  .object({
    npm: z.string().optional(),
    name: z.string().optional(),
    options: z
      .object({
        baseURL: z.string().optional(),
        apiKey: z.string().optional(),
        headers: z.record(z.string(), z.string()).optional(),
      })
      .loose()
      .optional(),
    models: z.record(z.string(), ModelConfig).optional(),
  })
  .loose()
export type ProviderConfig = z.infer<typeof ProviderConfig>

export const AgentConfig = z
  .object({
    model: z.string().optional(),
    prompt: z.string().optional(),
    description: z.string().optional(),
    mode: z.enum(["primary", "subagent", "all"]).optional(),
    tools: z.record(z.string(), z.boolean()).optional(),
    permission: PermissionConfig.optional(),
    temperature: z.number().optional(),
    steps: z.number().int().positive().optional(),
    /** "worktree": started as a sub-agent, it works in its own git worktree (see docs/background.md). */
    isolation: Isolation.optional(),
    disable: z.boolean().optional(),
  })
  .loose()
export type AgentConfig = z.infer<typeof AgentConfig>

/** Settings of background tasks, in `tandem.background`. */
export const BackgroundConfig = z
  .object({
    /** Background tasks running at once across the server (0 = no cap). */
    max_running: z.number().int().nonnegative().default(16),
    /** Background tasks running at once per parent session (0 = no cap). */
    max_running_per_session: z.number().int().nonnegative().default(8),
    /** Background tasks running at once per provider/model (0 = no cap). */
    max_running_per_model: z.number().int().nonnegative().default(16),
    /** Per-task budgets; a task that reaches one ends with its partial result. 0 = none. */
    max_steps: z.number().int().nonnegative().default(50),
    max_tokens: z.number().int().nonnegative().default(0),
    max_duration_ms: z.number().int().nonnegative().default(0),
    /** The longest child answer delivered to the parent; the rest stays in the child session. */
    result_chars: z.number().int().positive().default(4000),
    /** Resume an idle parent when a result arrives (false: the result waits for the next prompt). */
    resume_parent: z.boolean().default(true),
    /** Cancel a session's background tasks when its turn is aborted. */
    cancel_on_abort: z.boolean().default(false),
    /** Runs a task may have: one that was running when the process stopped is resumed until then, then ended as interrupted. */
    max_attempts: z.number().int().positive().default(3),
    /** Minimum interval between task.progress events of one task. */
    progress_interval_ms: z.number().int().nonnegative().default(250),
    /** Results of one parent that end within this window reach it in one model turn. */
    coalesce_ms: z.number().int().nonnegative().default(25),
  })
  .loose()
export type BackgroundConfig = z.infer<typeof BackgroundConfig>

/** How failed model calls are retried, in `tandem.retry`. */
export const RetryConfig = z
  .object({
    /** Tries of one model call in all (1 = no retry). */
    attempts: z.number().int().positive().default(5),
    /** First back-off delay; it doubles on each retry, up to `max_delay_ms`. A `retry-after` header wins. */
    initial_delay_ms: z.number().int().nonnegative().default(1000),
    max_delay_ms: z.number().int().nonnegative().default(30_000),
    /** A call that sends nothing for this long (first chunk, or between chunks) is abandoned and retried. */
    idle_timeout_ms: z.number().int().positive().default(120_000),
    /** A call whose response headers have not arrived this long after it was sent (connecting included) is abandoned and retried. */
    headers_timeout_ms: z.number().int().positive().default(120_000),
  })
  .loose()
export type RetryConfig = z.infer<typeof RetryConfig>

/** How the HTTP server treats what reaches it, in `tandem.server`. */
export const ServerConfig = z
  .object({
    /** Origins of browser pages allowed to call the API across origins (CORS), e.g. "https://app.example". */
    cors: z.array(z.string()).default([]),
    /** Host names served besides loopback and the listening hostname (a proxy's or a LAN name). */
    hosts: z.array(z.string()).default([]),
    /** Largest request body accepted, in bytes. */
    max_body_bytes: z
      .number()
      .int()
      .positive()
      .default(20 * 1024 * 1024),
  })
  .loose()
export type ServerConfig = z.infer<typeof ServerConfig>

/** Tandem's own settings, in the `tandem` block of opencode.json. */
export const TandemConfig = z
  .object({
    /** Generate a session title with the small model after the first message. */
    title: z.boolean().default(true),
    /** Maximum steps of one prompt loop before it stops. */
    max_steps: z.number().int().positive().default(100),
    background: BackgroundConfig.default(BackgroundConfig.parse({})),
    retry: RetryConfig.default(RetryConfig.parse({})),
    server: ServerConfig.default(ServerConfig.parse({})),
  })
  .loose()
export type TandemConfig = z.infer<typeof TandemConfig>

export const Config = z
  .object({
    $schema: z.string().optional(),
    model: z.string().optional(),
    small_model: z.string().optional(),
    default_agent: z.string().optional(),
    provider: z.record(z.string(), ProviderConfig).optional(),
    agent: z.record(z.string(), AgentConfig).optional(),
    permission: PermissionConfig.optional(),
    subagent_depth: z.number().int().nonnegative().optional(),
    tandem: TandemConfig.optional(),
  })
  .loose()
  .meta({ id: "Config" })
/** Config as written (defaults of the `tandem` block are applied by `tandemSettings`). */
export type Config = z.input<typeof Config>

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

/**
 * `text.replace` with a one-group pattern, also returning a map from offsets of the result back
 * to offsets of `text` (an offset inside a replacement maps to the start of what it replaced).
 */
function replaceMapped(text: string, pattern: RegExp, replace: (captured: string) => string) {
  const edits: { from: number; to: number; written: number; length: number }[] = []
  let shift = 0
  const result = text.replace(pattern, (match: string, captured: string, written: number) => {
    const value = replace(captured)
    edits.push({ from: written + shift, to: written + shift + value.length, written, length: match.length })
    shift += value.length - match.length
    return value
  })
  const original = (offset: number) => {
    let delta = 0
    for (const edit of edits) {
      if (offset < edit.from) break
      if (offset < edit.to) return edit.written
      delta = edit.to - (edit.written + edit.length)
    }
    return offset - delta
  }
  return { text: result, original }
}

/** `substitute`, also mapping each offset of the result back to the text as written. */
function substituteMapped(
  text: string,
  dir: string,
  env: Record<string, string | undefined>,
  found: (value: string) => void = () => {},
) {
  const put = (value: string) => {
    found(value)
    return JSON.stringify(value).slice(1, -1)
  }
  const envs = replaceMapped(text, /\{env:([^}]+)\}/g, (name) => put(env[name] ?? ""))
  const files = replaceMapped(envs.text, /\{file:([^}]+)\}/g, (file) => {
    const resolved = file.startsWith("~/") ? path.join(os.homedir(), file.slice(2)) : path.resolve(dir, file)
    return put(readFileSync(resolved, "utf8").trim())
  })
  return { text: files.text, original: (offset: number) => envs.original(files.original(offset)) }
}

/**
 * Replaces `{env:VAR}` and `{file:path}` in raw config text, as opencode does. Each value put in
 * is handed to `found`, so it can be kept from ever leaving the engine.
 */
export function substitute(
  text: string,
  dir: string,
  env: Record<string, string | undefined>,
  found: (value: string) => void = () => {},
) {
  return substituteMapped(text, dir, env, found).text
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
function explain(issue: z.core.$ZodIssue, prefix: PropertyKey[] = []): Leaf[][] {
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
function describe(group: Leaf[], raw: unknown) {
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

/** Reads one config file; undefined when it does not exist. */
export function readConfigFile(
  file: string,
  env: Record<string, string | undefined> = process.env,
  secrets?: Secrets,
): Config | undefined {
  if (!existsSync(file)) return undefined
  const written = readFileSync(file, "utf8")
  const lines = written.split(/\r?\n/)
  const where = (offset: number) => {
    const position = positionAt(written, offset)
    return { line: position.line, column: position.column, source: lines[position.line - 1] }
  }
  let substituted: ReturnType<typeof substituteMapped>
  try {
    substituted = substituteMapped(written, path.dirname(file), env, (value) => secrets?.add(value))
  } catch (error) {
    throw new ConfigError(file, error instanceof Error ? error.message : String(error))
  }
  const document = parseJsoncDocument(substituted.text)
  if (!document.ok)
    throw new ConfigError(file, [
      { message: document.message, ...where(substituted.original(document.position.offset)) },
    ])
  const parsed = Config.safeParse(document.value)
  if (parsed.success) return parsed.data
  const problems = parsed.error.issues
    .flatMap((issue) => explain(issue))
    .map((group) => {
      const at = group[0]!.at
      // The key itself, else the nearest enclosing one that is in the file (a missing key's object).
      let position
      for (let length = at.length; length > 0 && !position; length--) position = document.locate(at.slice(0, length))
      return {
        offset: position ? substituted.original(position.offset) : -1,
        message: `${formatPath(at)}: ${describe(group, document.value)}`,
      }
    })
    .sort((a, b) => a.offset - b.offset)
  throw new ConfigError(
    file,
    problems.map(({ offset, message }) => ({ message, ...(offset >= 0 ? where(offset) : {}) })),
  )
}

/** The global config directory: `$XDG_CONFIG_HOME/opencode`, shared with opencode. */
export function globalConfigDirectory(env: Record<string, string | undefined> = process.env) {
  return path.join(env.XDG_CONFIG_HOME || path.join(os.homedir(), ".config"), "opencode")
}

const names = ["config.json", "opencode.json", "opencode.jsonc"]

/**
 * Global config, then the project's (`opencode.json` / `opencode.jsonc` in the directory), merged.
 * Substituted values and provider options are recorded in `secrets` when given.
 */
export function loadConfig(
  directory: string,
  env: Record<string, string | undefined> = process.env,
  secrets?: Secrets,
): Config {
  const files = [
    ...names.map((name) => path.join(globalConfigDirectory(env), name)),
    ...names.slice(1).map((name) => path.join(directory, name)),
    ...names.slice(1).map((name) => path.join(directory, ".opencode", name)),
  ]
  let merged: Config = {}
  for (const file of files) {
    const config = readConfigFile(file, env, secrets)
    if (config) merged = mergeDeep(merged, config) as Config
  }
  secrets?.addConfig(merged)
  return merged
}

/** Tandem's settings with defaults applied. */
export function tandemSettings(config: Config): TandemConfig {
  return TandemConfig.parse(config.tandem ?? {})
}
