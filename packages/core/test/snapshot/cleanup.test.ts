import { afterEach, expect, test } from "bun:test"
import { readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs"
import path from "node:path"
import { tempProject, testEngine } from "@tandem/testing/fixture"
import { ascending } from "../../src/id/id"
import { SnapshotCleanup } from "../../src/snapshot/cleanup"
import { Snapshots } from "../../src/snapshot/snapshots"

// The snapshot stores are garbage-collected: what kept sessions refer to stays, and so does
// what is younger than the age limit; everything else goes. See README "Undo, redo and fork".

const engines: { close(): Promise<void> }[] = []
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close()
})

/** Whether the store holds the object. */
const stored = (gitDir: string, hash: string) =>
  Bun.spawnSync(["git", "--git-dir", gitDir, "cat-file", "-e", hash]).exitCode === 0
/** The blob hash of a file's content. */
const blob = (content: string) =>
  Bun.spawnSync(["git", "hash-object", "--stdin"], { stdin: new TextEncoder().encode(content) })
    .stdout.toString()
    .trim()

/** Sets every loose object of the store 30 days back, as if written then. */
function age(gitDir: string) {
  const old = new Date(Date.now() - 30 * 24 * 3600_000)
  const objects = path.join(gitDir, "objects")
  for (const folder of readdirSync(objects).filter((name) => /^[0-9a-f]{2}$/.test(name)))
    for (const file of readdirSync(path.join(objects, folder))) utimesSync(path.join(objects, folder, file), old, old)
}

test("old snapshots no session refers to go; those a session refers to, and young ones, stay and still restore", async () => {
  const { engine, directory } = testEngine({ responder: () => ({ text: "ok" }) })
  engines.push(engine)
  const snapshots = new Snapshots({ enabled: true, root: tempProject("tandem-snapshots-"), exclude: [] })
  const file = path.join(directory, "notes.txt")
  const states: string[] = []
  for (const content of ["kept state", "dropped state"]) {
    writeFileSync(file, content)
    states.push((await snapshots.track(directory))!)
  }
  const [kept, dropped] = states as [string, string]
  const session = engine.store.createSession({ directory })
  const model = { providerID: "scripted", modelID: "test" }
  const message = { id: ascending("message"), sessionID: session.id, role: "user" as const, time: { created: 1 } }
  engine.store.upsertMessage({ ...message, agent: "build", model })
  engine.store.upsertPart({
    id: ascending("part"),
    sessionID: session.id,
    messageID: message.id,
    type: "patch",
    hash: kept,
    files: [file],
  })
  const { gitDir } = snapshots.store(directory)
  age(gitDir)
  writeFileSync(file, "young state")
  const young = (await snapshots.track(directory))!
  writeFileSync(file, "current state")
  await snapshots.track(directory)

  await new SnapshotCleanup(snapshots, engine.store.db, "7.days").run()

  expect(stored(gitDir, dropped)).toBe(false)
  expect(stored(gitDir, blob("dropped state"))).toBe(false)
  expect(stored(gitDir, kept)).toBe(true)
  expect(stored(gitDir, young)).toBe(true)
  await snapshots.store(directory).restoreFiles(kept, [file])
  expect(readFileSync(file, "utf8")).toBe("kept state")

  // Once the session is deleted nothing refers to its snapshot; with no age limit it goes too.
  engine.store.deleteSession(session.id)
  await new SnapshotCleanup(snapshots, engine.store.db, "now").run()
  expect(stored(gitDir, kept)).toBe(false)
  expect(stored(gitDir, young)).toBe(false)
  expect(statSync(gitDir).isDirectory()).toBe(true)
})

test("a directory never snapshotted is not given a store by the clean-up", async () => {
  const { engine, directory } = testEngine({ responder: () => ({ text: "ok" }) })
  engines.push(engine)
  const root = tempProject("tandem-snapshots-")
  const snapshots = new Snapshots({ enabled: true, root, exclude: [] })
  engine.store.createSession({ directory })
  await new SnapshotCleanup(snapshots, engine.store.db).run()
  expect(readdirSync(root)).toEqual([])
})
