import { stat } from "node:fs/promises"
import path from "node:path"

/** Folders no search looks into. */
export const IGNORED = ["node_modules", ".git", "dist", "build", ".tools", ".cache", "coverage"]

function ignored(relative: string) {
  return relative.split(path.sep).some((segment) => IGNORED.includes(segment))
}

/** Files under `root` matching `pattern`, skipping ignored folders, newest first. */
export async function findFiles(root: string, pattern: string) {
  const found: { file: string; mtime: number }[] = []
  for await (const relative of new Bun.Glob(pattern).scan({
    cwd: root,
    onlyFiles: true,
    dot: false,
    followSymlinks: false,
  })) {
    if (ignored(relative)) continue
    const info = await stat(path.join(root, relative)).catch(() => undefined)
    if (info) found.push({ file: path.join(root, relative), mtime: info.mtimeMs })
  }
  return found.sort((a, b) => b.mtime - a.mtime || a.file.localeCompare(b.file))
}
