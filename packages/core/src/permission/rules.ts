import type { PermissionAction, PermissionConfig } from "../config/config"

const strictness: Record<PermissionAction, number> = { allow: 0, ask: 1, deny: 2 }

/** The stricter of two actions: deny over ask over allow. */
export function stricter(a: PermissionAction, b: PermissionAction): PermissionAction {
  return strictness[a] >= strictness[b] ? a : b
}

/** Matches `*` (any run) and `?` (one character) wildcards against the whole text. */
export function wildcard(pattern: string, text: string) {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, "[\\s\\S]*")
    .replace(/\?/g, ".")
  return new RegExp(`^${source}$`).test(text)
}

/** Tools whose permission is governed by the `edit` key, as in opencode. */
const aliases: Record<string, string> = { write: "edit" }

/** The defaults: everything allowed except leaving the project directory. */
const defaults: Record<string, PermissionAction> = { external_directory: "ask" }

/**
 * The action one rule set gives a permission and pattern. Within a map the most specific
 * (longest) matching pattern wins; a permission the rules do not name falls back to `*`, then
 * the defaults.
 */
export function evaluate(rules: PermissionConfig | undefined, permission: string, pattern: string): PermissionAction {
  if (typeof rules === "string") return rules
  const entry = rules?.[permission] ?? rules?.[aliases[permission] ?? ""] ?? rules?.["*"]
  if (entry === undefined) return defaults[permission] ?? "allow"
  if (typeof entry === "string") return entry
  const matches = Object.keys(entry)
    .filter((key) => wildcard(key, pattern))
    .sort((a, b) => a.length - b.length)
  const best = matches.at(-1)
  return best ? entry[best]! : (defaults[permission] ?? "allow")
}

/** Applies each rule set in turn (global, agent, and every ancestor session's) and keeps the strictest. */
export function evaluateAll(ruleSets: (PermissionConfig | undefined)[], permission: string, pattern: string) {
  return ruleSets.reduce<PermissionAction>(
    (action, rules) => stricter(action, evaluate(rules, permission, pattern)),
    "allow",
  )
}
