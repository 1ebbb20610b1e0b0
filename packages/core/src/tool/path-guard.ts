import { lstatSync, readlinkSync, realpathSync } from "node:fs"
import path from "node:path"
import type { ToolContext } from "./tool"

/** Symlinks followed in one resolution before it gives up, as the kernel's ELOOP limit. */
const MAX_LINKS = 40

/**
 * The path the operating system would reach for `given`, taken from `base`: every symlink on
 * the way is followed, dangling ones included (a write through a dangling link creates its
 * target), and `..` applies after the link before it, as the kernel does. Components that do
 * not exist yet are kept as given, as folders a write would create: a `..` after one returns to
 * the real folder above it. Undefined when links loop.
 */
export function resolveReal(base: string, given: string): string | undefined {
  let links = 0
  const walk = (start: string, segments: string[]): string | undefined => {
    let current = start
    for (const segment of segments) {
      if (segment === "" || segment === ".") continue
      if (segment === "..") {
        current = path.dirname(current)
        continue
      }
      const next = path.join(current, segment)
      const info = lstat(next)
      // A missing component is kept and the walk goes on: a write creates it as a folder, so a
      // later ".." comes back to real components whose symlinks the kernel will follow.
      if (!info || !info.isSymbolicLink()) {
        current = next
        continue
      }
      if (++links > MAX_LINKS) return undefined
      const target = readlinkSync(next)
      const resolved = walk(path.isAbsolute(target) ? path.parse(target).root : current, target.split(/[\\/]/))
      if (resolved === undefined) return undefined
      current = resolved
    }
    return current
  }
  const start = path.isAbsolute(given) ? path.parse(given).root : realpathSync(base)
  return walk(start, given.split(/[\\/]/))
}

function lstat(file: string) {
  try {
    return lstatSync(file)
  } catch {
    return undefined
  }
}

/** True when `target` is `root` or lies beneath it. Both must be resolved paths. */
export function isInside(root: string, target: string) {
  const relative = path.relative(root, target)
  return relative === "" || (!relative.startsWith("..") && !path.isAbsolute(relative))
}

/** The project directory with its own symlinks resolved: what every resolved path is held against. */
export function projectRoot(ctx: Pick<ToolContext, "directory">) {
  return realpathSync(ctx.directory)
}

/** How a tool names a resolved path to the model: relative inside the project, absolute outside. */
export function displayPath(ctx: Pick<ToolContext, "directory">, resolved: string) {
  const root = projectRoot(ctx)
  return isInside(root, resolved) ? path.relative(root, resolved) || "." : resolved
}

export type Guarded = { ok: true; path: string; relative: string } | { ok: false; error: string }

/**
 * Resolves a path argument against the project directory, following symlinks (dangling ones
 * too). A path that leads outside it needs the `external_directory` permission. The path
 * returned is the resolved one, so the tool touches exactly what was checked.
 */
export async function guardPath(ctx: ToolContext, given: string): Promise<Guarded> {
  const real = resolveReal(ctx.directory, given)
  if (real === undefined) return { ok: false, error: `${given}: too many levels of symbolic links` }
  if (isInside(projectRoot(ctx), real)) return { ok: true, path: real, relative: displayPath(ctx, real) }
  const outcome = await ctx.ask({
    permission: "external_directory",
    patterns: [path.join(path.dirname(real), "*")],
    metadata: { path: real },
  })
  if (outcome.granted) return { ok: true, path: real, relative: real }
  return { ok: false, error: `${given} is outside the project directory (${ctx.directory}): ${outcome.reason}` }
}
