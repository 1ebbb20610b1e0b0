import { existsSync, realpathSync } from "node:fs"
import path from "node:path"
import type { ToolContext } from "./tool"

/** The real path of `target`, following symlinks of its nearest existing ancestor. */
function realish(target: string) {
  let existing = target
  const rest: string[] = []
  while (!existsSync(existing) && path.dirname(existing) !== existing) {
    rest.unshift(path.basename(existing))
    existing = path.dirname(existing)
  }
  return path.join(realpathSync(existing), ...rest)
}

function inside(root: string, target: string) {
  const relative = path.relative(root, target)
  return relative === "" || (!relative.startsWith("..") && !path.isAbsolute(relative))
}

/**
 * Resolves a path argument against the project directory. A path that leads outside it
 * (through `..`, an absolute path or a symlink) needs the `external_directory` permission.
 */
export async function guardPath(
  ctx: ToolContext,
  given: string,
): Promise<{ ok: true; path: string } | { ok: false; error: string }> {
  const absolute = path.resolve(ctx.directory, given)
  const real = realish(absolute)
  if (inside(realish(ctx.directory), real)) return { ok: true, path: absolute }
  const outcome = await ctx.ask({
    permission: "external_directory",
    patterns: [path.join(path.dirname(real), "*")],
    metadata: { path: real },
  })
  if (outcome.granted) return { ok: true, path: absolute }
  return { ok: false, error: `${given} is outside the project directory (${ctx.directory}): ${outcome.reason}` }
}
