import { existsSync, realpathSync } from "node:fs"
import { copyFile, mkdtemp, rm } from "node:fs/promises"
import os from "node:os"
import path from "node:path"
import { z } from "zod"
import { git, gitOk } from "./git"

/** Where an isolated task works: its git worktree, branch and the commit it started from. */
export const WorktreeInfo = z.object({
  /** The worktree's folder, outside the project tree. */
  path: z.string(),
  /** The branch it works on, `tandem/<task id>`. */
  branch: z.string(),
  /** The commit it started from: the parent's HEAD plus its uncommitted changes. */
  base: z.string(),
  /** The directory the child works in: the worktree, or the same subfolder of it as the parent's. */
  directory: z.string(),
  /** The parent's directory, where the changes go back to. */
  parent: z.string(),
})
export type WorktreeInfo = z.infer<typeof WorktreeInfo>

/** What a child changed, written when it ends; for an isolated child, how its changes came back. */
export const TaskChanges = z.object({
  /** Files the child wrote, relative to the project (for an isolated child: every file its branch changed). */
  files: z.array(z.string()),
  /** Applied to the parent's tree, or kept on `branch` because they conflict with the parent's changes. */
  merge: z.enum(["applied", "conflict"]).optional(),
  /** The files that conflict, when `merge` is "conflict". */
  conflicts: z.array(z.string()).optional(),
  /** The branch that holds the changes that were not applied. */
  branch: z.string().optional(),
  /** What went wrong bringing the changes back, when git failed. */
  error: z.string().optional(),
})
export type TaskChanges = z.infer<typeof TaskChanges>

/** The repository a directory is in: its top folder and the directory's path inside it. */
export async function repositoryOf(directory: string) {
  const result = await git(directory, ["rev-parse", "--show-toplevel", "--show-prefix"])
  if (result.code !== 0) return undefined
  const [top = "", prefix = ""] = result.stdout.split("\n")
  return { top, prefix }
}

/**
 * A commit of the working tree of `top` as it is now, tracked and untracked files alike
 * (ignored ones left out), with `parent` as its parent. Uses a private copy of the index, so
 * neither the index nor the files of the tree are touched. `ownIndex` is the index's path, when
 * the caller knows it.
 */
export async function snapshot(top: string, parent: string | undefined, message: string, ownIndex?: string) {
  const scratch = await mkdtemp(path.join(os.tmpdir(), "tandem-index-"))
  const index = path.join(scratch, "index")
  try {
    const own = ownIndex ?? (await gitOk(top, ["rev-parse", "--path-format=absolute", "--git-path", "index"]))
    await copyFile(own, index).catch(() => undefined)
    const env = { GIT_INDEX_FILE: index }
    await gitOk(top, ["add", "-A", "."], { env })
    const tree = await gitOk(top, ["write-tree"], { env })
    return await gitOk(top, ["commit-tree", tree, ...(parent ? ["-p", parent] : []), "-m", message])
  } finally {
    await rm(scratch, { recursive: true, force: true })
  }
}

/** The commit HEAD names, or undefined in a repository without commits. */
async function head(top: string) {
  const result = await git(top, ["rev-parse", "--verify", "-q", "HEAD"])
  return result.code === 0 ? result.stdout.trim() : undefined
}

/**
 * Creates the worktree of task `id` under `root` from the current state of `directory`: HEAD
 * plus its uncommitted changes, on branch `tandem/<id>`. The child works in the same subfolder
 * of it as `directory` is of its repository. `spare` (`task/spares.ts`) hands over a worktree
 * made ahead of time: it is switched to the new branch, which rewrites only the files that
 * differ, and moved into place; without one, or when that fails, the worktree is checked out
 * from scratch.
 */
export async function createWorktree(
  directory: string,
  root: string,
  id: string,
  spare?: (top: string) => Promise<string | undefined>,
): Promise<{ ok: true; worktree: WorktreeInfo } | { ok: false; error: string }> {
  // One git call for the repository, the directory's place in it, its index and HEAD (absent
  // in a repository without commits).
  const probe = ["rev-parse", "--show-toplevel", "--show-prefix", "--path-format=absolute", "--git-path", "index"]
  const found = await git(directory, [...probe, "HEAD"])
  const [top = "", prefix = "", index = "", commit] = found.stdout.split("\n")
  const repo = found.code === 0 ? { top, prefix } : await repositoryOf(directory)
  if (!repo) return { ok: false, error: `isolation "worktree" needs a git repository, and ${directory} is not in one` }
  const start = found.code === 0 ? { head: commit, index } : { head: await head(repo.top) }
  const base = await snapshot(repo.top, start.head, `tandem: start of ${id}`, start.index)
  const folder = path.join(root, id)
  const branch = `tandem/${id}`
  const worktree = { path: folder, branch, base, directory: path.join(folder, repo.prefix), parent: directory }
  const ready = await spare?.(repo.top)
  if (ready && (await fromSpare(repo.top, ready, worktree))) return { ok: true, worktree }
  const added = await git(repo.top, ["worktree", "add", "-q", "-b", branch, folder, base])
  if (added.code !== 0) return { ok: false, error: `could not create the worktree: ${added.stderr.trim()}` }
  return { ok: true, worktree }
}

/**
 * Turns a spare into `worktree`: a forced switch to its new branch at its base (tracked files
 * that differ are rewritten, nothing of the spare's carried over) and a move to its folder. A
 * spare that cannot be used is removed.
 */
async function fromSpare(top: string, spare: string, worktree: WorktreeInfo) {
  const switched = await git(spare, ["checkout", "-q", "-f", "-b", worktree.branch, worktree.base])
  const moved = switched.code === 0 && (await git(top, ["worktree", "move", spare, worktree.path])).code === 0
  if (moved) return true
  await git(top, ["worktree", "remove", "--force", "--force", spare])
  await rm(spare, { recursive: true, force: true })
  if (switched.code === 0) await git(top, ["branch", "-D", "-q", worktree.branch])
  return false
}

/** Commits everything in the worktree on its branch; returns the branch's tip. */
async function commitAll(worktree: WorktreeInfo) {
  await gitOk(worktree.path, ["add", "-A", "."])
  const staged = await git(worktree.path, ["diff", "--cached", "--quiet"])
  if (staged.code !== 0) await gitOk(worktree.path, ["commit", "-q", "--no-verify", "-m", "tandem: task changes"])
  return gitOk(worktree.path, ["rev-parse", "HEAD"])
}

/** Removes the worktree's folder, and its branch unless `keepBranch`. */
export async function removeWorktree(
  top: string,
  worktree: Pick<WorktreeInfo, "path" | "branch">,
  keepBranch: boolean,
) {
  await git(top, ["worktree", "remove", "--force", "--force", worktree.path])
  await rm(worktree.path, { recursive: true, force: true })
  await git(top, ["worktree", "prune"])
  if (!keepBranch) await git(top, ["branch", "-D", "-q", worktree.branch])
}

/**
 * Brings an isolated child's work back: commits it on its branch, merges it three ways with the
 * parent's tree as it is now (base: where the child started), and writes the result into the
 * parent's working tree when nothing conflicts. The worktree is removed; the branch too when
 * its changes were applied (or there were none).
 */
export async function mergeBack(worktree: WorktreeInfo): Promise<TaskChanges> {
  const repo = await repositoryOf(worktree.parent)
  if (!repo) return { files: [], branch: worktree.branch, error: `${worktree.parent} is no longer a git repository` }
  const tip = await commitAll(worktree)
  const changed = await gitOk(repo.top, ["diff", "--name-only", "--no-renames", worktree.base, tip])
  const files = changed ? changed.split("\n") : []
  if (!files.length) {
    await removeWorktree(repo.top, worktree, false)
    return { files }
  }
  const now = await snapshot(repo.top, worktree.base, "tandem: parent's tree")
  const merged = await git(repo.top, ["merge-tree", "--write-tree", "--name-only", "--no-messages", now, tip])
  const [tree = "", ...rest] = merged.stdout.trim().split("\n")
  if (merged.code > 1) return { files, branch: worktree.branch, error: merged.stderr.trim() }
  if (merged.code === 1) {
    await removeWorktree(repo.top, worktree, true)
    return { files, merge: "conflict", conflicts: [...new Set(rest.filter(Boolean))], branch: worktree.branch }
  }
  const patch = await gitOk(repo.top, ["diff", "--binary", "--no-renames", now, tree])
  const applied = await git(repo.top, ["apply", "--whitespace=nowarn", "-"], { stdin: patch + "\n" })
  if (applied.code !== 0) {
    // The parent changed one of these files between the snapshot and now.
    await removeWorktree(repo.top, worktree, true)
    return { files, merge: "conflict", conflicts: files, branch: worktree.branch }
  }
  await removeWorktree(repo.top, worktree, false)
  return { files, merge: "applied" }
}

/** The worktrees of `directory`'s repository that live under `root`, by folder name (the task id). */
export async function worktreesUnder(directory: string, root: string) {
  if (!existsSync(root)) return []
  const repo = await repositoryOf(directory)
  if (!repo) return []
  const real = realpathSync(root)
  const listed = await git(repo.top, ["worktree", "list", "--porcelain"])
  const found: { id: string; path: string; branch: string; top: string }[] = []
  for (const block of listed.stdout.split("\n\n")) {
    const folder = /^worktree (.*)$/m.exec(block)?.[1]
    const branch = /^branch refs\/heads\/(.*)$/m.exec(block)?.[1]
    if (!folder || !sameFolder(path.dirname(folder), real)) continue
    found.push({
      id: path.basename(folder),
      path: folder,
      branch: branch ?? `tandem/${path.basename(folder)}`,
      top: repo.top,
    })
  }
  return found
}

function sameFolder(folder: string, real: string) {
  return existsSync(folder) && realpathSync(folder) === real
}
