import { existsSync } from "node:fs"
import { mkdir } from "node:fs/promises"
import path from "node:path"
import type { AgentInfo } from "../agent/agent"
import type { BackgroundConfig } from "../config/config"
import { FileVersions } from "../tool/file-versions"
import { git } from "./git"
import { SpareWorktrees } from "./spares"
import type { TaskInfo } from "./task-info"
import {
  createWorktree,
  mergeBack,
  removeWorktree,
  repositoryOf,
  worktreesUnder,
  type TaskChanges,
  type WorktreeInfo,
} from "./worktree"

/**
 * The engine's workspaces: `settings.spare_worktrees` spares per repository, made from the start
 * when one of `agents` isolates by default.
 */
export function workspacesOf(
  directory: string,
  root: string,
  settings: Pick<BackgroundConfig, "spare_worktrees">,
  agents: Map<string, Pick<AgentInfo, "isolation">>,
) {
  const workspaces = new Workspaces({ directory, root, spares: settings.spare_worktrees })
  if ([...agents.values()].some((agent) => agent.isolation === "worktree")) void workspaces.warm(directory)
  return workspaces
}

/** What a start found of worktrees a stopped process left: removed, and branches kept for their changes. */
export type SweepReport = { removed: string[]; keptBranches: string[]; spares: string[] }

export type WorkspacesDeps = {
  /** The project directory: paths in a task's change list are relative to it. */
  directory: string
  /** The folder that holds the worktrees of isolated tasks, outside every project tree. */
  root: string
  /** What each session saw and wrote (the changes of a child that shares its parent's tree); a new one by default. */
  fileVersions?: FileVersions
  /** Spare worktrees kept ready per repository (`tandem.background.spare_worktrees`); 2 by default. */
  spares?: number
}

/**
 * Where children work, and what they changed there: an isolated child's git worktree is created
 * before it starts and merged back (then removed) when it ends; a child that shares its parent's
 * tree reports the files it wrote. Merge-backs run one at a time, so two children's changes never
 * interleave in the parent's tree.
 */
export class Workspaces {
  private queue: Promise<unknown> = Promise.resolve()
  /** The sweep of the last start, for whoever needs to know it is done. */
  swept: Promise<SweepReport> = Promise.resolve({ removed: [], keptBranches: [], spares: [] })

  /** What each session saw and wrote; the file tools check it, and a shared-tree child's changes come from it. */
  readonly fileVersions: FileVersions
  /** Worktrees made ahead of time, in `<root>/.spare`, that new isolated children start from. */
  readonly spares: SpareWorktrees

  constructor(readonly deps: WorkspacesDeps) {
    this.fileVersions = deps.fileVersions ?? new FileVersions()
    this.spares = new SpareWorktrees(path.join(deps.root, ".spare"), deps.spares ?? 2)
  }

  /** Creates task `id`'s worktree from `parentDirectory`'s current state; an error value when it cannot. */
  async create(parentDirectory: string, id: string) {
    const spare = (top: string) => this.spares.take(top)
    // One at a time, in the order of the calls (nothing awaited before joining the queue), with
    // merge-backs: a task's place in the scheduler follows its call, and the snapshot never sees
    // a merge half written.
    const create = async () => {
      await mkdir(this.deps.root, { recursive: true })
      return createWorktree(parentDirectory, this.deps.root, id, spare)
    }
    return this.serial(create).catch((error: Error) => ({
      ok: false as const,
      error: error.message,
    }))
  }

  /**
   * What a finished child changed. An isolated child's work is merged back into its parent's
   * tree (or kept on its branch) and its worktree removed; never throws.
   */
  async settle(task: Pick<TaskInfo, "sessionID" | "worktree">): Promise<TaskChanges | undefined> {
    const worktree = task.worktree
    if (worktree)
      return this.serial(() => mergeBack(worktree)).catch((error: Error) => ({
        files: [],
        branch: worktree.branch,
        error: error.message,
      }))
    const files = this.fileVersions.writtenBy(task.sessionID).map((file) => path.relative(this.deps.directory, file))
    return files.length ? { files } : undefined
  }

  /** Removes the worktree and branch of a task that ended before it ran. */
  async discard(worktree: WorktreeInfo) {
    const repo = await repositoryOf(worktree.parent)
    if (repo) await this.serial(() => removeWorktree(repo.top, worktree, false))
  }

  /**
   * Makes sure a task resumed after a restart has its worktree: recreated from its branch (or
   * its base) when the folder is gone. False when it cannot be.
   */
  async ensure(worktree: WorktreeInfo) {
    if (existsSync(worktree.path)) return true
    const repo = await repositoryOf(worktree.parent)
    if (!repo) return false
    return this.serial(async () => {
      await git(repo.top, ["worktree", "prune"])
      const fromBranch = await git(repo.top, ["worktree", "add", "-q", worktree.path, worktree.branch])
      if (fromBranch.code === 0) return true
      const fromBase = await git(repo.top, [
        "worktree",
        "add",
        "-q",
        "-b",
        worktree.branch,
        worktree.path,
        worktree.base,
      ])
      return fromBase.code === 0
    })
  }

  /**
   * Removes the worktrees under `root` of tasks that are not open (`task` looks them up): what a
   * process that died left behind. Changes found in one are committed on its branch first, and
   * the branch is kept unless they were applied already; a branch with nothing of the child's
   * is deleted.
   */
  sweep(task: (id: string) => TaskInfo | undefined) {
    this.swept = this.serial(async () => {
      const report: SweepReport = {
        removed: [],
        keptBranches: [],
        spares: await this.spares.sweep(this.deps.directory),
      }
      for (const found of await worktreesUnder(this.deps.directory, this.deps.root)) {
        const row = task(found.id)
        if (row && (row.state === "queued" || row.state === "running")) continue
        await git(found.path, ["add", "-A", "."])
        await git(found.path, ["commit", "-q", "--no-verify", "-m", "tandem: left by a stopped process"])
        const tip = await git(found.top, ["log", "-1", "--format=%s", found.branch])
        const untouched = tip.stdout.trim().startsWith("tandem: start of")
        const keep = !untouched && row?.changes?.merge !== "applied"
        await removeWorktree(found.top, found, keep)
        report.removed.push(found.path)
        if (keep) report.keptBranches.push(found.branch)
      }
      return report
    })
    return this.swept
  }

  /** Starts making spares of `directory`'s repository ahead of its first isolated child (none outside git). */
  async warm(directory: string) {
    const repo = await repositoryOf(directory)
    if (repo) this.spares.fill(repo.top)
  }

  /** Removes the spare worktrees, after the creations and merge-backs under way. */
  async close() {
    await this.queue
    await this.spares.close()
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn)
    this.queue = run.catch(() => undefined)
    return run
  }
}
