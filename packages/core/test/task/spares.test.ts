import { afterEach, expect, test } from "bun:test"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import path from "node:path"
import { tempProject } from "@tandem/testing/fixture"
import { SpareWorktrees } from "../../src/task/spares"
import { createWorktree, removeWorktree } from "../../src/task/worktree"
import { Workspaces } from "../../src/task/workspaces"
import { leftovers, repository, sh, spareWorktrees } from "./isolation-helpers"

// Spare worktrees: made ahead of time so an isolated child starts without checking out the whole
// project; each is handed to one task, brought to the parent's state, and never leaked.

const pools: SpareWorktrees[] = []
afterEach(async () => {
  for (const pool of pools.splice(0)) await pool.close()
})

function pool(root: string, size = 1) {
  const spares = new SpareWorktrees(path.join(root, ".spare"), size)
  pools.push(spares)
  return spares
}

/** The name git keeps the worktree at `folder` under: a spare's, when it was made from one. */
const gitName = (folder: string) => path.basename(sh(folder, "rev-parse", "--git-dir"))

test("a worktree made from a spare starts from HEAD plus the parent's uncommitted changes, on its own branch", async () => {
  const directory = repository({ "a.txt": "a\n", "b.txt": "b\n", "sub/c.txt": "c\n" })
  const root = tempProject("tandem-wt-")
  const spares = pool(root)
  spares.fill(sh(directory, "rev-parse", "--show-toplevel"))
  // The parent changes its tree after the spare was made from HEAD: a commit, an edit, a new file.
  writeFileSync(path.join(directory, "b.txt"), "b2\n")
  sh(directory, "commit", "-q", "-am", "second")
  writeFileSync(path.join(directory, "a.txt"), "a, not committed\n")
  writeFileSync(path.join(directory, "new.txt"), "untracked\n")
  const created = await createWorktree(path.join(directory, "sub"), root, "tsk_one", (top) => spares.take(top))
  if (!created.ok) throw new Error(created.error)
  const { worktree } = created
  expect(gitName(worktree.path)).toMatch(new RegExp(`^${process.pid}-`))
  expect(path.resolve(worktree.directory)).toBe(path.join(root, "tsk_one", "sub"))
  expect(readFileSync(path.join(worktree.path, "a.txt"), "utf8")).toBe("a, not committed\n")
  expect(readFileSync(path.join(worktree.path, "b.txt"), "utf8")).toBe("b2\n")
  expect(readFileSync(path.join(worktree.path, "new.txt"), "utf8")).toBe("untracked\n")
  expect(sh(worktree.path, "rev-parse", "--abbrev-ref", "HEAD")).toBe("tandem/tsk_one")
  expect(sh(worktree.path, "status", "--porcelain")).toBe("")
  // The parent's tree and index are as they were.
  expect(sh(directory, "status", "--porcelain")).toBe("M a.txt\n?? new.txt")
  await removeWorktree(directory, worktree, false)
  expect(leftovers(directory)).toEqual({ worktrees: 0, branches: "" })
})

test("each spare is given to one task only; without a spare ready the worktree is checked out as before", async () => {
  const directory = repository({ "a.txt": "a\n" })
  const root = tempProject("tandem-wt-")
  const spares = pool(root, 1)
  const take = (top: string) => spares.take(top)
  const results = await Promise.all(["tsk_a", "tsk_b", "tsk_c"].map((id) => createWorktree(directory, root, id, take)))
  const paths = results.map((result) => (result.ok ? result.worktree.path : result.error))
  expect(paths).toEqual(["tsk_a", "tsk_b", "tsk_c"].map((id) => path.join(root, id)))
  const names = new Set(paths.map(gitName))
  expect(names.size).toBe(3)
  // Something one child does in its worktree is seen in no other.
  writeFileSync(path.join(paths[0]!, "a.txt"), "a, appended by one child\n")
  expect(readFileSync(path.join(paths[1]!, "a.txt"), "utf8")).toBe("a\n")
  expect(readFileSync(path.join(directory, "a.txt"), "utf8")).toBe("a\n")
  await spares.close()
  expect(spareWorktrees(directory)).toBe(0)
  expect(existsSync(path.join(root, ".spare")) && sh(directory, "worktree", "list").includes(".spare")).toBe(false)
})

test("a spare someone wrote into is not carried over: its changes to tracked files are discarded", async () => {
  const directory = repository({ "a.txt": "a\n" })
  const root = tempProject("tandem-wt-")
  const spares = pool(root)
  const top = sh(directory, "rev-parse", "--show-toplevel")
  spares.fill(top)
  const spare = await spares.take(top)
  if (!spare) throw new Error("no spare was made")
  writeFileSync(path.join(spare, "a.txt"), "tampered\n")
  const created = await createWorktree(directory, root, "tsk_clean", async () => spare)
  if (!created.ok) throw new Error(created.error)
  expect(readFileSync(path.join(created.worktree.path, "a.txt"), "utf8")).toBe("a\n")
  await removeWorktree(directory, created.worktree, false)
})

test("the sweep at start removes the spares of a process that is gone, registered with git or not", async () => {
  const directory = repository({ "a.txt": "a\n" })
  const root = tempProject("tandem-wt-")
  const dead = Bun.spawnSync(["true"]).pid
  // A spare git knows of, and the folder of one whose creation was cut short.
  sh(directory, "worktree", "add", "-q", "--detach", path.join(root, ".spare", `${dead}-1-x`), "HEAD")
  mkdirSync(path.join(root, ".spare", `${dead}-2-x`), { recursive: true })
  expect(spareWorktrees(directory)).toBe(1)
  const workspaces = new Workspaces({ directory, root })
  const report = await workspaces.sweep(() => undefined)
  expect(report.spares.sort()).toEqual([`${dead}-1-x`, `${dead}-2-x`].map((name) => path.join(root, ".spare", name)))
  expect(spareWorktrees(directory)).toBe(0)
  expect(existsSync(path.join(root, ".spare", `${dead}-1-x`))).toBe(false)
  await workspaces.close()
})

test("an engine whose agents isolate by default keeps spares ready from its start, and removes them when closed", async () => {
  const directory = repository({ "a.txt": "a\n" })
  const { testEngine } = await import("@tandem/testing/fixture")
  const config = { agent: { worker: { mode: "subagent" as const, isolation: "worktree" as const } } }
  const { engine } = testEngine({ responder: () => ({ text: "ok" }), directory, config })
  for (let i = 0; i < 500 && spareWorktrees(directory) < 2; i++) await Bun.sleep(20)
  expect(spareWorktrees(directory)).toBe(2)
  await engine.close()
  expect(spareWorktrees(directory)).toBe(0)
})
