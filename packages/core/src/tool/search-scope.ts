import { stat } from "node:fs/promises"
import path from "node:path"
import { guardPath, projectRoot } from "./path-guard"
import type { ToolContext } from "./tool"

const GLOB_CHARS = /[*?[\]{}!]/

export type SearchScope =
  | {
      ok: true
      /** The resolved directory the scan starts from. */
      base: string
      /** The pattern relative to `base`, with no `..` and no absolute part left. */
      pattern: string
      /** Resolved roots every match must lie in: the project, and `base` if it was permitted. */
      within: string[]
    }
  | { ok: false; error: string }

/**
 * Splits a glob into the directory it names before its first wildcard and the rest, and
 * confines that directory as any path argument is: `../other/**` is a search of `../other`,
 * which needs the `external_directory` permission. A `..` after a wildcard is refused, since
 * no directory can be checked for it.
 */
export async function searchScope(ctx: ToolContext, directory: string, pattern: string): Promise<SearchScope> {
  const segments = pattern.split(/[\\/]/)
  const first = segments.findIndex((segment) => GLOB_CHARS.test(segment))
  const fixed = first === -1 ? segments.slice(0, -1) : segments.slice(0, first)
  const rest = segments.slice(fixed.length)
  if (rest.some((segment) => /(^|[{,])\.\.($|[},])/.test(segment)))
    return { ok: false, error: `${pattern}: ".." may not follow a wildcard; name the directory in the path instead` }
  const prefix = fixed.join("/") || (path.isAbsolute(pattern) ? "/" : ".")
  const guarded = await guardPath(ctx, path.isAbsolute(prefix) ? prefix : path.join(directory, prefix))
  if (!guarded.ok) return guarded
  const info = await stat(guarded.path).catch(() => undefined)
  if (!info?.isDirectory())
    return {
      ok: false,
      error: `${guarded.relative} is ${info ? "a file, not a directory" : "not an existing directory"}`,
    }
  return { ok: true, base: guarded.path, pattern: rest.join("/"), within: [projectRoot(ctx), guarded.path] }
}
