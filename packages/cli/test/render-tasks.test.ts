import { expect, test } from "bun:test"
import type { TaskInfo } from "@tandem/core/task/task-info"
import { taskRow } from "../src/render-tasks"

// `tandem tasks` rows of isolated tasks: the worktree and branch while they run, what came of
// their changes once they ended.

const plain = (text: string) => text.replace(/\x1b\[\d+m/g, "")

const task: TaskInfo = {
  id: "tsk_1",
  parentSessionID: "ses_p",
  parentMessageID: "msg_p",
  parentCallID: "call_p",
  sessionID: "ses_c",
  agent: "general",
  model: { providerID: "scripted", modelID: "test" },
  description: "Fix the parser",
  prompt: "fix it",
  state: "running",
  attempts: 1,
  usage: { tokens: { input: 0, output: 0, reasoning: 0, cache: { read: 0, write: 0 } }, cost: 0, steps: 2 },
  time: { created: 0, started: 0 },
  delivery: "pending",
  worktree: { path: "/data/worktrees/tsk_1", branch: "tandem/tsk_1", base: "abc", directory: "/d", parent: "/p" },
}

test("a running isolated task shows its worktree and branch; an ended one its files and how they came back", () => {
  expect(plain(taskRow(task))).toContain("· worktree /data/worktrees/tsk_1 (tandem/tsk_1)")
  const ended = { ...task, state: "completed" as const, time: { created: 0, started: 0, ended: 1000 } }
  expect(plain(taskRow({ ...ended, changes: { files: ["a.ts", "b.ts"], merge: "applied" } }))).toContain(
    "· 2 files changed, applied",
  )
  const conflict = { files: ["a.ts"], merge: "conflict" as const, conflicts: ["a.ts"], branch: "tandem/tsk_1" }
  expect(plain(taskRow({ ...ended, changes: conflict }))).toContain(
    "· 1 file changed, conflict in a.ts: kept on tandem/tsk_1",
  )
  expect(plain(taskRow({ ...task, worktree: undefined, changes: { files: ["x"] } }))).toContain("· 1 file changed")
})
