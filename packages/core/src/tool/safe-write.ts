import { constants } from "node:fs"
import { lstat, mkdir, open, readlink, realpath, unlink } from "node:fs/promises"
import path from "node:path"

const moved = (resolved: string, what: string) =>
  `${what} became a symbolic link while this tool ran; nothing was written to ${resolved}`

/** Where an open descriptor really points, on systems that say (Linux); undefined elsewhere. */
async function openedPath(fd: number) {
  return readlink(`/proc/self/fd/${fd}`).catch(() => undefined)
}

/**
 * Writes `content` to a path that `guardPath` resolved (no symlinks, no `..`), refusing to
 * follow a symlink put in its place or in place of a folder above it since the check (by a
 * shell command, say): the write lands on the file that was checked or not at all. The last
 * component is opened without following links, the folder is resolved again just before, and
 * where the system names an open file the descriptor is checked before anything is truncated.
 * Returns an error message, or undefined once written.
 */
export async function writeResolved(resolved: string, content: string): Promise<string | undefined> {
  const folder = path.dirname(resolved)
  const made = await mkdir(folder, { recursive: true }).catch((error: Error) => error)
  if (made instanceof Error) return `could not create the folder of ${resolved}: ${made.message}`
  if ((await realpath(folder).catch(() => undefined)) !== folder) return moved(resolved, folder)
  const existed = await lstat(resolved).then(
    () => true,
    () => false,
  )
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW
  const handle = await open(resolved, flags, 0o644).catch((error: NodeJS.ErrnoException) => error)
  if (handle instanceof Error)
    return handle.code === "ELOOP" ? moved(resolved, resolved) : `could not write ${resolved}: ${handle.message}`
  try {
    const opened = await openedPath(handle.fd)
    if (opened !== undefined && opened !== resolved) {
      if (!existed) await unlink(opened).catch(() => undefined)
      return moved(resolved, folder)
    }
    await handle.truncate(0)
    await handle.writeFile(content)
  } finally {
    await handle.close()
  }
}
