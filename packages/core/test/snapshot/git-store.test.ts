import { expect, test } from "bun:test"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import path from "node:path"
import { tempProject } from "@tandem/testing/fixture"
import { GitSnapshotStore } from "../../src/snapshot/git-store"

const write = (directory: string, name: string, content: string) => {
  mkdirSync(path.dirname(path.join(directory, name)), { recursive: true })
  writeFileSync(path.join(directory, name), content)
}

test("file names are never patterns: restoring `*.txt` leaves the other .txt files alone", async () => {
  const directory = tempProject()
  write(directory, "keep.txt", "keep")
  const store = new GitSnapshotStore(directory, tempProject("tandem-snapshots-"))
  const before = await store.track()
  write(directory, "*.txt", "star")
  write(directory, "keep.txt", "changed")
  const after = await store.track()
  const changed = await store.changed(before, after)
  expect(changed.sort()).toEqual([path.join(directory, "*.txt"), path.join(directory, "keep.txt")])
  await store.restoreFiles(before, [path.join(directory, "*.txt")])
  expect(existsSync(path.join(directory, "*.txt"))).toBe(false)
  expect(readFileSync(path.join(directory, "keep.txt"), "utf8")).toBe("changed")
})

test("the project's .gitignore and the excluded paths stay out of snapshots; the project's own git is untouched", async () => {
  const directory = tempProject()
  write(directory, ".gitignore", "build/\n")
  write(directory, "src/a.ts", "a")
  const git = (args: string[]) => Bun.spawnSync(["git", ...args], { cwd: directory }).stdout.toString()
  git(["init", "-q"])
  const store = new GitSnapshotStore(directory, tempProject("tandem-snapshots-"), [path.join(directory, ".data")])
  const before = await store.track()
  write(directory, "build/out.js", "built")
  write(directory, ".data/tandem.db", "data")
  write(directory, "src/b.ts", "b")
  const changed = await store.changed(before, await store.track())
  expect(changed).toEqual([path.join(directory, "src/b.ts")])
  // Nothing was staged in the project's own repository.
  expect(git(["ls-files"])).toBe("")
  expect(store.gitDir.startsWith(directory)).toBe(false)
})

test("a per-file diff says what was added, modified and deleted", async () => {
  const directory = tempProject()
  write(directory, "a.txt", "one\ntwo\n")
  write(directory, "gone.txt", "bye\n")
  const store = new GitSnapshotStore(directory, tempProject("tandem-snapshots-"))
  const before = await store.track()
  write(directory, "a.txt", "one\nthree\nfour\n")
  write(directory, "new.txt", "hi\n")
  Bun.spawnSync(["rm", path.join(directory, "gone.txt")])
  const diff = await store.diff(before, await store.track())
  expect(diff.map(({ patch: _, ...rest }) => rest)).toEqual([
    { file: "a.txt", additions: 2, deletions: 1, status: "modified" },
    { file: "gone.txt", additions: 0, deletions: 1, status: "deleted" },
    { file: "new.txt", additions: 1, deletions: 0, status: "added" },
  ])
  expect(diff[0]!.patch).toContain("+three")
})
