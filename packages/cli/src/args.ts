/** One flag of a command. */
export type Flag = {
  type: "string" | "boolean"
  /** One-letter alias, e.g. "m" for `-m`. */
  short?: string
  /** Placeholder of the value in the help, e.g. "provider/model"; string flags only. */
  value?: string
  /** What the flag does, in one line. */
  description: string
}

/** A command as its help and its parser see it: the single description of its flags. */
export type CommandSpec<F extends Record<string, Flag> = Record<string, Flag>> = {
  name: string
  /** What the command does, in one line. */
  summary: string
  /** What follows the command name in the usage line, e.g. "[options] <message...>". */
  usage: string
  flags: F
  /** Lines printed after the flags, e.g. environment variables the command reads. */
  notes?: string[]
}

export type FlagValues<F extends Record<string, Flag>> = {
  [K in keyof F]?: F[K]["type"] extends "string" ? string : boolean
}

export type Parsed<F extends Record<string, Flag>> =
  { kind: "ok"; values: FlagValues<F>; positionals: string[] } | { kind: "help" } | { kind: "error"; message: string }

const help: Flag = { type: "boolean", short: "h", description: "show this help" }

/** Levenshtein distance, for suggesting the flag a typo meant. */
function distance(a: string, b: string) {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++)
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    previous = current
  }
  return previous[b.length]!
}

function unknown(spec: CommandSpec, given: string) {
  const name = given.replace(/^-+/, "")
  const close = Object.keys(spec.flags)
    .map((flag) => ({ flag, d: distance(name, flag) }))
    .filter(
      ({ flag, d }) => d <= Math.max(1, Math.floor(flag.length / 3)) || (name.length > 2 && flag.startsWith(name)),
    )
    .sort((a, b) => a.d - b.d)[0]
  const hint = close ? ` (did you mean --${close.flag}?)` : ""
  return `unknown flag ${given}${hint}; see tandem ${spec.name} --help`
}

/**
 * Parses `args` against a command's flags: `--flag`, `--flag value`, `--flag=value`, `-f value`,
 * `--` ending the flags. `--help` / `-h` anywhere asks for the help. Unknown flags and missing
 * values are an error naming the flag, never an exception.
 */
export function parseFlags<F extends Record<string, Flag>>(spec: CommandSpec<F>, args: string[]): Parsed<F> {
  const values: Record<string, string | boolean> = {}
  const positionals: string[] = []
  const byShort = new Map(
    Object.entries(spec.flags).flatMap(([name, flag]) => (flag.short ? [[flag.short, name]] : [])),
  )
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (arg === "--") {
      positionals.push(...args.slice(i + 1))
      break
    }
    if (!arg.startsWith("-") || arg === "-") {
      positionals.push(arg)
      continue
    }
    if (arg === "--help" || arg === "-h") return { kind: "help" }
    const long = arg.startsWith("--")
    const [written, inline] = long
      ? ((eq) => (eq < 0 ? [arg, undefined] : [arg.slice(0, eq), arg.slice(eq + 1)]))(arg.indexOf("="))
      : [arg.slice(0, 2), arg.length > 2 ? arg.slice(2) : undefined]
    const name = long ? written.slice(2) : byShort.get(written.slice(1))
    const flag = name !== undefined && Object.hasOwn(spec.flags, name) ? spec.flags[name] : undefined
    if (!name || !flag) return { kind: "error", message: unknown(spec, written) }
    if (flag.type === "boolean") {
      if (inline !== undefined)
        return { kind: "error", message: `${written} takes no value; see tandem ${spec.name} --help` }
      values[name] = true
      continue
    }
    const value = inline ?? args[++i]
    if (value === undefined || (inline === undefined && value.startsWith("-") && value !== "-"))
      return {
        kind: "error",
        message: `${written} needs a value (${flag.value ?? "text"}); see tandem ${spec.name} --help`,
      }
    values[name] = value
  }
  return { kind: "ok", values: values as FlagValues<F>, positionals }
}

/** The help of a command: usage, each flag with its meaning, then its notes. */
export function commandHelp(spec: CommandSpec) {
  const rows = [...Object.entries(spec.flags), ["help", help] as const].map(([name, flag]) => ({
    left: `${flag.short ? `-${flag.short}, ` : "    "}--${name}${flag.type === "string" ? ` ${flag.value ?? "value"}` : ""}`,
    right: flag.description,
  }))
  const width = Math.max(...rows.map((row) => row.left.length))
  return [
    `tandem ${spec.name}: ${spec.summary}`,
    "",
    `Usage: ${["tandem", spec.name, spec.usage].filter(Boolean).join(" ")}`,
    "",
    "Options:",
    ...rows.map((row) => `  ${row.left.padEnd(width)}  ${row.right}`),
    ...(spec.notes?.length ? ["", ...spec.notes] : []),
  ].join("\n")
}

/**
 * Parses a command's arguments, printing its help (exit 0) or a flag error (exit 2) itself.
 * Returns the parsed flags, or the exit code when the command should stop here.
 */
export function commandArgs<F extends Record<string, Flag>>(spec: CommandSpec<F>, args: string[]) {
  const parsed = parseFlags(spec, args)
  if (parsed.kind === "help") {
    console.log(commandHelp(spec))
    return 0
  }
  if (parsed.kind === "error") {
    console.error(`tandem ${spec.name}: ${parsed.message}`)
    return 2
  }
  return parsed
}
