import { statSync } from "node:fs"
import path from "node:path"

/** The project directory from `--dir` (default: the working directory), or why it cannot be used. */
export function projectDirectory(
  given: string | undefined,
): { ok: true; path: string } | { ok: false; message: string } {
  const directory = path.resolve(given ?? process.cwd())
  const info = statSync(directory, { throwIfNoEntry: false })
  if (!info) return { ok: false, message: `--dir ${directory} does not exist` }
  if (!info.isDirectory()) return { ok: false, message: `--dir ${directory} is not a directory` }
  return { ok: true, path: directory }
}
