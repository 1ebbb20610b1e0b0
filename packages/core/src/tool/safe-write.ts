import { constants } from "node:fs"
import { mkdir, open } from "node:fs/promises"
import path from "node:path"

/**
 * Writes `content` to a path that `guardPath` resolved, refusing to follow a symlink put in its
 * place since the check (by a shell command, say): the write lands on the file that was checked
 * or not at all. Returns an error message, or undefined once written.
 */
export async function writeResolved(resolved: string, content: string): Promise<string | undefined> {
  const folder = await mkdir(path.dirname(resolved), { recursive: true }).catch((error: Error) => error)
  if (folder instanceof Error) return `could not create the folder of ${resolved}: ${folder.message}`
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW
  const handle = await open(resolved, flags, 0o644).catch((error: NodeJS.ErrnoException) => error)
  if (handle instanceof Error)
    return handle.code === "ELOOP"
      ? `${resolved} became a symbolic link while this tool ran; nothing was written`
      : `could not write ${resolved}: ${handle.message}`
  try {
    await handle.writeFile(content)
  } finally {
    await handle.close()
  }
}
