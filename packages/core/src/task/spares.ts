import { existsSync, readdirSync } from "node:fs"
import { mkdir, rm } from "node:fs/promises"
import path from "node:path"
import { git } from "./git"
import { worktreesUnder } from "./worktree"

/**
 * Spare worktrees kept ready per repository, so that creating an isolated child does not pay for
 * writing every file of the project: a spare is a detached worktree checked out at the HEAD of
 * the moment it was made, in `folder` (outside the task worktrees' folder, so the sweep of tasks
 * never sees it). Taking one hands it over to a single task and starts making its replacement in
 * the background; a spare is never given out twice. Spares are named `<pid>-<n>` so the next
 * start can tell the ones of a process that died.
 */
export class SpareWorktrees {
  private readonly ready = new Map<string, string[]>()
  private readonly making = new Map<string, Making[]>()
  private count = 0
  private closed = false

  constructor(
    /** Where spares live; one folder for every project. */
    readonly folder: string,
    /** How many spares to keep per repository; 0 turns the pool off. */
    readonly size: number,
  ) {}

  /**
   * A spare of repository `top`, now the caller's to use or remove: a ready one, or the one being
   * made, or undefined when the pool is off or empty. Starts making replacements either way.
   */
  async take(top: string): Promise<string | undefined> {
    if (this.size <= 0 || this.closed) return undefined
    const spare = this.ready.get(top)?.shift()
    const next = spare ? undefined : this.making.get(top)?.find((made) => !made.claimed)
    if (next) next.claimed = true
    // The replacement starts now, not once the claimed spare is done.
    this.fill(top)
    return spare ?? (await next?.promise)
  }

  /** Starts making spares of `top` until `size` are ready or on their way. */
  fill(top: string) {
    if (this.size <= 0 || this.closed) return
    const making = this.making.get(top) ?? []
    this.making.set(top, making)
    const ready = this.ready.get(top) ?? []
    this.ready.set(top, ready)
    while (ready.length + making.filter((made) => !made.claimed).length < this.size) {
      const made: Making = { claimed: false, promise: this.make(top) }
      making.push(made)
      void made.promise.then((spare) => {
        making.splice(making.indexOf(made), 1)
        if (spare && !made.claimed) ready.push(spare)
      })
    }
  }

  /** Removes every spare this process holds, waiting for the ones being made. */
  async close() {
    this.closed = true
    await Promise.allSettled([...this.making.values()].flat().map((made) => made.promise))
    for (const [top, spares] of this.ready) for (const spare of spares.splice(0)) await removeSpare(top, spare)
  }

  /**
   * Removes the spares under `folder` of `directory`'s repository that a process no longer alive
   * left, registered with git or not; returns their folders.
   */
  async sweep(directory: string) {
    const removed: string[] = []
    if (!existsSync(this.folder)) return removed
    for (const found of await worktreesUnder(directory, this.folder)) {
      if (alive(found.id)) continue
      await removeSpare(found.top, found.path)
      removed.push(found.path)
    }
    // The rest of the dead: other repositories' spares, and creations cut short. The repository
    // a spare names in its `.git` file forgets it once its folder is gone.
    for (const name of readdirSync(this.folder)) {
      if (alive(name)) continue
      const stray = path.join(this.folder, name)
      const gitdir = /^gitdir: (.*)$/m.exec(
        await Bun.file(path.join(stray, ".git"))
          .text()
          .catch(() => ""),
      )?.[1]
      await rm(stray, { recursive: true, force: true })
      if (gitdir) await git(path.resolve(gitdir, "..", ".."), ["worktree", "prune"])
      if (!removed.includes(stray)) removed.push(stray)
    }
    return removed
  }

  private async make(top: string) {
    await mkdir(this.folder, { recursive: true })
    const spare = path.join(this.folder, `${process.pid}-${++this.count}-${Date.now().toString(36)}`)
    const added = await git(top, ["worktree", "add", "-q", "--detach", spare, "HEAD"])
    if (added.code !== 0) {
      await rm(spare, { recursive: true, force: true })
      return undefined
    }
    if (this.closed) {
      await removeSpare(top, spare)
      return undefined
    }
    return spare
  }
}

/** A spare on its way; `claimed` once a caller awaits it, so it never joins the ready ones. */
type Making = { claimed: boolean; promise: Promise<string | undefined> }

/** Removes a spare's worktree and folder. */
export async function removeSpare(top: string, spare: string) {
  await git(top, ["worktree", "remove", "--force", "--force", spare])
  await rm(spare, { recursive: true, force: true })
  await git(top, ["worktree", "prune"])
}

/** Whether the process that named a spare `<pid>-…` is this one or still running. */
function alive(name: string) {
  const pid = Number(name.split("-")[0])
  if (!Number.isInteger(pid) || pid <= 0) return false
  if (pid === process.pid) return true
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"
  }
}
