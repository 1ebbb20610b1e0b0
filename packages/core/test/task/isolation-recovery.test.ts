import { afterEach, expect, test } from "bun:test"
import { Database } from "bun:sqlite"
import { readFileSync, writeFileSync } from "node:fs"
import path from "node:path"
import { tempProject } from "@tandem/testing/fixture"
import { gate, lastToolResults } from "@tandem/testing/script"
import { TaskCreated } from "../../src/task/events"
import { dispatcher, say } from "./harness"
import {
  closeIsolationEngines,
  closeNow,
  isolated,
  leftovers,
  repository,
  sh,
  start,
  steps,
  write,
} from "./isolation-helpers"

// Isolated children across a crash, and their confinement: a child resumes in its worktree,
// worktrees nobody owns are swept, and a child's tools stay inside its worktree.

afterEach(closeIsolationEngines)

test("after a crash mid-run the child resumes in its worktree; worktrees nobody owns are swept, their work kept on a branch", async () => {
  const directory = repository({ "a.txt": "a\n" })
  const dbFile = path.join(tempProject("tandem-db-"), "tandem.db")
  const wrote = Promise.withResolvers<void>()
  const never = gate()
  const first = start(
    directory,
    {
      go: dispatcher([isolated("CHILD crash")], "waiting"),
      "CHILD crash": steps([write("survivor.txt", "kept\n")], async () => {
        wrote.resolve()
        await never.promise
      }),
    },
    dbFile,
  )
  const parent = first.store.createSession({ directory })
  await first.runner.prompt(parent.id, say("go"))
  await wrote.promise
  const root = path.dirname(first.background.list(parent.id)[0]!.worktree!.path)
  const { createWorktree } = await import("../../src/task/worktree")
  const orphan = await createWorktree(directory, root, "tsk_orphan_with_work")
  const idle = await createWorktree(directory, root, "tsk_orphan_untouched")
  if (!orphan.ok || !idle.ok) throw new Error("worktrees not created")
  writeFileSync(path.join(orphan.worktree.path, "salvaged.txt"), "work of a dead foreground child\n")
  expect(leftovers(directory).worktrees).toBe(3)

  // The first engine is abandoned as a killed process would be: its lease runs out, and a second
  // engine starts on its data.
  const data = new Database(dbFile)
  data.query("update instance set lease_until = 0").run()
  data.close()
  const second = start(directory, { "CHILD crash": steps([]), go: () => ({ text: "got it" }) }, dbFile)
  expect(second.recovery.resumed).toHaveLength(1)
  const swept = await second.background.workspaces.swept
  expect(swept.keptBranches).toEqual(["tandem/tsk_orphan_with_work"])
  expect(swept.removed).toHaveLength(2)
  await second.background.settled(parent.id)
  const [task] = second.background.list(parent.id)
  expect(task).toMatchObject({ state: "completed", changes: { files: ["survivor.txt"], merge: "applied" } })
  expect(readFileSync(path.join(directory, "survivor.txt"), "utf8")).toBe("kept\n")
  expect(leftovers(directory)).toEqual({ worktrees: 0, branches: "tandem/tsk_orphan_with_work" })
  expect(sh(directory, "show", "tandem/tsk_orphan_with_work:salvaged.txt")).toBe("work of a dead foreground child")
  never.release()
})

test("an isolated child is confined to its worktree; one cancelled while queued leaves no worktree", async () => {
  const directory = repository({ "a.txt": "a\n" })
  const outside = path.join(directory, "a.txt")
  let refusal = ""
  const engine = start(
    directory,
    {
      go: dispatcher([isolated("CHILD escape"), isolated("CHILD queued")], "waiting"),
      "CHILD escape": async (request) => {
        const result = lastToolResults(request)[0]
        if (!result) return { toolCalls: write(outside, "from the worktree\n") }
        refusal = result.output
        const queued = await queuedCreated
        engine.background.cancel(queued.task.id, "not needed")
        return { text: "stayed inside" }
      },
    },
    undefined,
    { tandem: { background: { max_running_per_session: 1 } } },
  )
  const queuedCreated = engine.bus.once(TaskCreated, (e) => e.task.description === "CHILD queued")
  const parentID = engine.store.createSession({ directory }).id
  await engine.runner.prompt(parentID, say("go"))
  await engine.background.settled(parentID)
  expect(refusal).toContain("external_directory")
  expect(readFileSync(outside, "utf8")).toBe("a\n")
  expect(engine.background.list(parentID).map((t) => t.state)).toEqual(["completed", "cancelled"])
  await closeNow(engine)
  expect(leftovers(directory)).toEqual({ worktrees: 0, branches: "" })
})
