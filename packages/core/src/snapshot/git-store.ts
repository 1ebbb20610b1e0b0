import { createHash } from "node:crypto"
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs"
import path from "node:path"
import { git, type GitResult } from "../task/git"
import { parseDiff, type SnapshotFileDiff } from "./file-diff"

/** A git command that failed: its arguments and what git said. */
export class SnapshotGitError extends Error {
  override name = "SnapshotGitError"
}

/** How often, and how far apart, a git call finding the index locked by another process tries again. */
const LOCK_ATTEMPTS = 20
const LOCK_WAIT_MS = 50

/** Paths are file names, never patterns: a file called `*.ts` must not match every other one. */
const LITERAL = { GIT_LITERAL_PATHSPECS: "1" }

/** The ref that holds the snapshots sessions still refer to, so `git gc` keeps them. */
export const KEPT_REF = "refs/tandem/kept"
/** The file in a store that names the directory it snapshots, so a clean-up finds stores no session refers to any more. */
export const DIRECTORY_FILE = "tandem-directory"

/**
 * One project directory's snapshots: a git object store of its own (under Tandem's data
 * directory, never the project's `.git`) whose index follows the directory. A snapshot is a
 * tree hash; nothing is committed. The project's `.gitignore` files apply; `exclude` adds paths
 * (Tandem's own data, when it lives inside the project). Calls run one at a time.
 */
export class GitSnapshotStore {
  readonly gitDir: string
  private ready: Promise<void> | undefined
  private chain: Promise<unknown> = Promise.resolve()
  private pendingTrack: Promise<string> | undefined

  constructor(
    readonly directory: string,
    root: string,
    private readonly exclude: string[] = [],
  ) {
    const key = createHash("sha1").update(directory).digest("hex").slice(0, 20)
    this.gitDir = path.join(root, key)
  }

  /**
   * The directory's current state as a tree hash. Calls that come while one runs share the
   * next run, so many sessions stepping in one directory cost one `git add` at a time.
   */
  track(): Promise<string> {
    if (this.pendingTrack) return this.pendingTrack
    const next = this.serial(async () => {
      this.pendingTrack = undefined
      await this.git(["add", "--all", "--", "."])
      return (await this.git(["write-tree"])).stdout.trim()
    })
    this.pendingTrack = next
    return next
  }

  /** The files (absolute paths) that differ between two snapshots. */
  changed(from: string, to: string): Promise<string[]> {
    return this.serial(async () => {
      const out = (await this.git(["diff", "--name-only", "--no-renames", "-z", from, to, "--", "."])).stdout
      return out
        .split("\0")
        .filter(Boolean)
        .map((file) => path.join(this.directory, file))
    })
  }

  /** Per-file changes between two snapshots, with their patches. */
  diff(from: string, to: string): Promise<SnapshotFileDiff[]> {
    return this.serial(async () => {
      const args = ["-c", "core.quotepath=false", "diff", "--no-color", "--no-renames", "--no-ext-diff"]
      const numstat = (await this.git([...args, "--numstat", from, to, "--", "."])).stdout
      const patch = (await this.git([...args, from, to, "--", "."])).stdout
      return parseDiff(numstat, patch)
    })
  }

  /** The unified diff between two snapshots, as text. */
  diffText(from: string, to: string): Promise<string> {
    return this.serial(async () => (await this.git(["diff", "--no-color", "--no-renames", from, to, "--", "."])).stdout)
  }

  /**
   * Puts `files` (absolute paths) back as they were in `hash`: checked out from it, or deleted
   * where the snapshot did not have them. Paths outside the directory are left alone.
   */
  restoreFiles(hash: string, files: string[]): Promise<void> {
    const relative = files
      .map((file) => path.relative(this.directory, file))
      .filter((file) => file && !file.startsWith("..") && !path.isAbsolute(file))
    if (!relative.length) return Promise.resolve()
    return this.serial(async () => {
      const listed = await this.git(["ls-tree", "-r", "-z", "--name-only", hash, "--", ...relative])
      const present = new Set(listed.stdout.split("\0").filter(Boolean))
      const kept = relative.filter((file) => present.has(file))
      if (kept.length) await this.git(["checkout", hash, "--", ...kept])
      for (const file of relative)
        if (!present.has(file)) rmSync(path.join(this.directory, file), { force: true, recursive: true })
    })
  }

  /**
   * Drops what no kept snapshot needs: the trees in `keep` (those of them still stored) are held
   * by one ref, a tree listing them all; then `git gc` removes every object nothing reaches (no
   * kept tree, nor the index) that is older than `age`, a git date such as "7.days" or "now".
   * A directory never snapshotted is left alone.
   */
  prune(keep: string[], age: string): Promise<void> {
    if (!existsSync(path.join(this.gitDir, "HEAD"))) return Promise.resolve()
    return this.serial(async () => {
      const unique = [...new Set(keep)].filter((hash) => /^[0-9a-f]{40,64}$/.test(hash))
      const checked = unique.length
        ? (await this.git(["cat-file", "--batch-check=%(objectname) %(objecttype)"], unique.join("\n") + "\n")).stdout
        : ""
      const trees = checked
        .split("\n")
        .map((line) => line.split(" "))
        .filter(([, type]) => type === "tree")
        .map(([hash]) => hash!)
      if (trees.length) {
        const listing = trees.map((hash, index) => `040000 tree ${hash}\tk${index}`).join("\n") + "\n"
        const holder = (await this.git(["mktree"], listing)).stdout.trim()
        await this.git(["update-ref", KEPT_REF, holder])
      } else await this.git(["update-ref", "-d", KEPT_REF]).catch(() => undefined)
      await this.git(["gc", "--quiet", `--prune=${age}`])
    })
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.chain.then(() => this.init()).then(work)
    this.chain = run.catch(() => undefined)
    return run
  }

  private init() {
    this.ready ??= (async () => {
      if (!existsSync(path.join(this.gitDir, "HEAD"))) {
        mkdirSync(this.gitDir, { recursive: true })
        await this.git(["init", "--quiet"])
        await this.git(["config", "core.autocrlf", "false"])
        await this.git(["config", "core.quotepath", "false"])
      }
      const rules = this.exclude
        .map((file) => path.relative(this.directory, file))
        .filter((file) => file && !file.startsWith("..") && !path.isAbsolute(file))
        .map((file) => "/" + file.split(path.sep).join("/"))
      mkdirSync(path.join(this.gitDir, "info"), { recursive: true })
      writeFileSync(path.join(this.gitDir, "info", "exclude"), rules.join("\n") + "\n")
      writeFileSync(path.join(this.gitDir, DIRECTORY_FILE), this.directory)
    })()
    return this.ready
  }

  /** Runs git; another process snapshotting the same directory holds the index lock for a moment, so that is waited out. */
  private async git(args: string[], stdin?: string): Promise<GitResult> {
    for (let attempt = 1; ; attempt++) {
      const ran = await this.run(args, stdin)
      if (ran.code === 0) return ran
      if (!ran.stderr.includes("index.lock") || attempt >= LOCK_ATTEMPTS)
        throw new SnapshotGitError(`git ${args[0]} failed (${ran.code}): ${ran.stderr.trim()}`)
      await Bun.sleep(LOCK_WAIT_MS)
    }
  }

  private run(args: string[], stdin?: string) {
    return git(this.directory, ["--git-dir", this.gitDir, "--work-tree", this.directory, ...args], {
      env: LITERAL,
      stdin,
    })
  }
}
