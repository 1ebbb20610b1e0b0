import { Isolation } from "../agent/isolation"
import { z } from "zod"
import { existsSync, readFileSync } from "node:fs"
import os from "node:os"
import path from "node:path"
import { mergeDeep } from "remeda"
import { parseJsoncDocument, positionAt } from "./jsonc"
import { ConfigError, describe, explain, formatPath } from "./config-error"
import { substituteMapped } from "./substitute"
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
    cost: z
      .object({ input: z.number(), output: z.number(), cache_read: z.number(), cache_write: z.number() })
      .partial()
      .optional(),
    limit: z.object({ context: z.number(), output: z.number() }).partial().optional(),
    /** Options of the model's calls, sent as the provider's provider options (Anthropic `thinking`, OpenAI `reasoningEffort`…). */
    options: z.record(z.string(), z.unknown()).optional(),
    /** Named sets of call options over `options` (a prompt's or command's `variant` picks one); `disabled: true` turns one off. */
    variants: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
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

/** A custom command in the `command` block: `/name args` sends `template` with the arguments filled in. */
export const CommandConfig = z
  .object({
    template: z.string(),
    description: z.string().optional(),
    /** The agent that answers; a sub-agent runs the command as a `task` call unless `subtask` is false. */
    agent: z.string().optional(),
    /** `provider/model` to answer with. */
    model: z.string().optional(),
    /** The model variant to answer with (a key of the model's `variants`). */
    variant: z.string().optional(),
    /** Run as a sub-agent in a child session, whatever the agent's mode. */
    subtask: z.boolean().optional(),
  })
  .loose()
export type CommandConfig = z.infer<typeof CommandConfig>

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
    /**
     * Results of one idle parent reach it in one model turn while each ends within this long of the one
     * before; the window closes at once when no task of the parent is left unfinished.
     */
    coalesce_ms: z.number().int().nonnegative().default(250),
    /** The longest a coalescing window stays open after its first result, however many keep coming. */
    coalesce_max_ms: z.number().int().nonnegative().default(2000),
    /** Worktrees kept ready per repository once an isolated child has started there (0 = none). */
    spare_worktrees: z.number().int().nonnegative().default(2),
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

/** opencode's `compaction` block: when a session's transcript is summarised and old tool outputs cleared. */
export const CompactionConfig = z
  .object({
    /** Summarise the session by itself when the next model call would overflow the model's context (default true). */
    auto: z.boolean().optional(),
    /** Clear old tool outputs once a loop ends (default true). */
    prune: z.boolean().optional(),
    /** Tokens kept free for the model's answer when deciding on overflow (default: the smaller of 20,000 and the model's output limit). */
    reserved: z.number().int().nonnegative().optional(),
    /** Recent turns a compaction keeps verbatim after its summary (opencode's default 2 once either tail key is set). */
    tail_turns: z.number().int().nonnegative().optional(),
    /** Token budget of those recent turns (default: a quarter of the usable context, within 2,000–15,000). */
    preserve_recent_tokens: z.number().int().nonnegative().optional(),
  })
  .loose()
export type CompactionConfig = z.infer<typeof CompactionConfig>

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
    command: z.record(z.string(), CommandConfig).optional(),
    permission: PermissionConfig.optional(),
    subagent_depth: z.number().int().nonnegative().optional(),
    /** Snapshot the project's files around each step, for revert and diffs (default true), as opencode's key. */
    snapshot: z.boolean().optional(),

    compaction: CompactionConfig.optional(),
    tandem: TandemConfig.optional(),
  })
  .loose()
  .meta({ id: "Config" })
export { ConfigError, type ConfigProblem } from "./config-error"
export { substitute } from "./substitute"

/** Config as written (defaults of the `tandem` block are applied by `tandemSettings`). */
export type Config = z.input<typeof Config>

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
