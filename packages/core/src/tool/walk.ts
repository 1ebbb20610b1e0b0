import { stat } from "node:fs/promises"
import path from "node:path"
import { isInside, resolveReal } from "./path-guard"

/** Folders no search looks into. */
export const IGNORED = ["node_modules", ".git", "dist", "build", ".tools", ".cache", "coverage"]

function ignored(relative: string) {
  return relative.split(path.sep).some((segment) => IGNORED.includes(segment))
}

export type Found = {
  /** Matching files, newest first, by the resolved path the tool may open. */
  files: { file: string; mtime: number }[]
  /** Matches left out because they resolve (through a symlink) outside every allowed root. */
  outside: number
}

/**
 * Files under `root` matching `pattern`, skipping ignored folders, newest first. A match is
 * kept only when its resolved path lies inside one of `within`, so a symlink in the tree never
 * leads a search to a file it may not see.
 */
export async function findFiles(root: string, pattern: string, within: string[]): Promise<Found> {
  const files: Found["files"] = []
  let outside = 0
  for await (const relative of new Bun.Glob(pattern).scan({
    cwd: root,
    onlyFiles: true,
    dot: false,
    followSymlinks: false,
  })) {
    if (ignored(relative)) continue
    const real = resolveReal(root, relative)
    if (!real || !within.some((allowed) => isInside(allowed, real))) {
      outside++
      continue
    }
    const info = await stat(real).catch(() => undefined)
    if (info?.isFile()) files.push({ file: real, mtime: info.mtimeMs })
  }
  return { files: files.sort((a, b) => b.mtime - a.mtime || a.file.localeCompare(b.file)), outside }
}

/** A line telling the model that some matches were withheld, or nothing. */
export function outsideNote(outside: number) {
  return outside ? `\n\n(${outside} match(es) lead outside the project through symlinks and were left out)` : ""
}
