/** What a session last saw of a file: a hash of its whole content. */
type Seen = { hash: bigint | number }

const hashOf = (content: string) => Bun.hash(content)

/**
 * The version of every file each session has read or written, so a write can tell that the
 * file changed since the writer last saw it (another session, a background child, the user or
 * another process changed it), and refuse instead of overwriting that change. Writes of one
 * file are serialised within the process, so a check and its write are never split by another
 * session's.
 */
export class FileVersions {
  private seen = new Map<string, Map<string, Seen>>()
  private locks = new Map<string, Promise<unknown>>()
  private written = new Map<string, Set<string>>()

  /** Records that `sessionID` has seen `file` with this content (after a read or its own write). */
  remember(sessionID: string, file: string, content: string) {
    const files = this.seen.get(sessionID) ?? new Map<string, Seen>()
    files.set(file, { hash: hashOf(content) })
    this.seen.set(sessionID, files)
  }

  /** Records a write of `file` by `sessionID` (which has then seen it with this content). */
  wrote(sessionID: string, file: string, content: string) {
    this.remember(sessionID, file, content)
    const files = this.written.get(sessionID) ?? new Set<string>()
    files.add(file)
    this.written.set(sessionID, files)
  }

  /** The files `sessionID` has written, in the order of their first write. */
  writtenBy(sessionID: string) {
    return [...(this.written.get(sessionID) ?? [])]
  }

  /**
   * Why `sessionID` may not overwrite `file` whose current content is `current`, or undefined
   * when it may: it must have seen the file, and the file must not have changed since.
   */
  stale(sessionID: string, file: string, current: string, shown: string) {
    const seen = this.seen.get(sessionID)?.get(file)
    if (!seen) return `${shown} exists and you have not read it; read it before writing to it`
    if (seen.hash !== hashOf(current)) return `${shown} changed since you last read it; read it again before writing`
    return undefined
  }

  /**
   * Runs `fn` with `file` (a resolved path) to itself: writes of one file from this process
   * happen one at a time.
   */
  async exclusive<T>(file: string, fn: () => Promise<T>): Promise<T> {
    const key = file
    const before = this.locks.get(key) ?? Promise.resolve()
    const run = before.then(fn, fn)
    const tail = run.catch(() => {})
    this.locks.set(key, tail)
    try {
      return await run
    } finally {
      if (this.locks.get(key) === tail) this.locks.delete(key)
    }
  }

  /** Forgets a session's files (when it is deleted). */
  forget(sessionID: string) {
    this.seen.delete(sessionID)
    this.written.delete(sessionID)
  }
}
