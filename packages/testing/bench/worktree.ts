// Worktree isolation benchmark (not a test): `sh scripts/bun packages/testing/bench/worktree.ts`.
// Prints figures; asserts nothing.
//
// 1. On a repository of FILES files (default 5,000, committed, plus a few uncommitted changes),
//    creates an isolated child's worktree RUNS times, timing each step of it: the snapshot of the
//    parent's tree (a private index: copy, `add -A`, `write-tree`, `commit-tree`) and
//    `git worktree add` (the checkout), then its removal.
// 2. One parent dispatches CHILDREN (10) isolated background children on the scripted model;
//    each writes a file of its own and edits another: the time until every result is delivered,
//    whether every change reached the parent's tree, and what git has left behind.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import os from "node:os"
import path from "node:path"

const FILES = Number(process.env.FILES ?? 5000)
const RUNS = Number(process.env.RUNS ?? 10)
const CHILDREN = Number(process.env.CHILDREN ?? 10)

const scratch = mkdtempSync(path.join(os.tmpdir(), "tandem-bench-worktree-"))
process.env.XDG_DATA_HOME = path.join(scratch, "data")
const { createWorktree, removeWorktree, snapshot } = await import("@tandem/core/task/worktree")
const { git, gitOk } = await import("@tandem/core/task/git")
const { testEngine } = await import("../src/fixture")
const { quantile } = await import("./stats")

const ms = (value: number) => value.toFixed(1)
const summary = (values: number[]) =>
  `p50 ${ms(quantile(values, 0.5))} · p90 ${ms(quantile(values, 0.9))} · max ${ms(Math.max(...values))}`

/** A repository of `files` small files in folders of 50, committed, with a few uncommitted changes. */
async function repository(files: number) {
  const directory = path.join(scratch, "project")
  for (let i = 0; i < files; i++) {
    const folder = path.join(directory, `pkg${Math.floor(i / 50)}`)
    if (i % 50 === 0) mkdirSync(folder, { recursive: true })
    writeFileSync(path.join(folder, `file${i}.ts`), `export const value${i} = ${i}\n`.repeat(20))
  }
  await gitOk(directory, ["init", "-q", "-b", "main"])
  await gitOk(directory, ["add", "-A"])
  await gitOk(directory, ["commit", "-q", "-m", "start"])
  writeFileSync(path.join(directory, "pkg0", "file0.ts"), "changed, not committed\n")
  writeFileSync(path.join(directory, "untracked.ts"), "new, not committed\n")
  return directory
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now()
  const value = await fn()
  return [value, performance.now() - start]
}

const directory = await repository(FILES)
const root = path.join(scratch, "data", "tandem", "worktrees")
mkdirSync(root, { recursive: true })
const head = await gitOk(directory, ["rev-parse", "HEAD"])

const created: number[] = []
const snapshots: number[] = []
const checkouts: number[] = []
const removals: number[] = []
for (let run = 0; run < RUNS; run++) {
  const id = `tsk_bench_${run}`
  const [result, total] = await timed(() => createWorktree(directory, root, id))
  if (!result.ok) throw new Error(result.error)
  created.push(total)
  const [, removal] = await timed(() => removeWorktree(directory, result.worktree, false))
  removals.push(removal)
  // The same two steps again, one at a time, to say where the time goes.
  const [base, snap] = await timed(() => snapshot(directory, head, "bench"))
  snapshots.push(snap)
  const folder = path.join(root, `${id}_steps`)
  const [, checkout] = await timed(() =>
    git(directory, ["worktree", "add", "-q", "-b", `tandem/${id}_steps`, folder, base]),
  )
  checkouts.push(checkout)
  await removeWorktree(directory, { path: folder, branch: `tandem/${id}_steps` }, false)
}

console.log(`Worktree of a repository of ${FILES} files, ${RUNS} runs (ms):`)
console.log(`  create (snapshot + worktree add)   ${summary(created)}`)
console.log(`    snapshot of the parent's tree    ${summary(snapshots)}`)
console.log(`    git worktree add (checkout)      ${summary(checkouts)}`)
console.log(`  remove (worktree + branch)         ${summary(removals)}`)

// Ten isolated children, each changing its own files.
const calls = Array.from({ length: CHILDREN }, (_, i) => ({
  name: "task",
  input: {
    description: `child ${i}`,
    prompt: `CHILD ${i}`,
    subagent_type: "general",
    background: true,
    isolation: "worktree",
  },
}))
const { engine } = testEngine({
  directory,
  config: { tandem: { background: { coalesce_ms: 25, progress_interval_ms: 0 } } },
  responder: (request) => {
    const said = request.messages.findLast((m) => m.role === "user")?.text ?? ""
    const done = request.messages.filter((m) => m.role === "tool").length
    if (said === "go") return done ? { text: "ok" } : { toolCalls: calls }
    const i = Number(said.split(" ")[1])
    const own = `pkg${i + 1}/file${(i + 1) * 50}.ts`
    const steps = [
      { name: "write", input: { filePath: `child-${i}.txt`, content: `from child ${i}\n` } },
      { name: "read", input: { filePath: own } },
      {
        name: "edit",
        input: {
          filePath: own,
          oldString: `value${(i + 1) * 50} = `,
          newString: `value${(i + 1) * 50} = -`,
          replaceAll: true,
        },
      },
    ]
    return done < steps.length ? { toolCalls: [steps[done]!] } : { text: `child ${i} done` }
  },
})
const parent = engine.store.createSession({ directory })
const [, total] = await timed(async () => {
  await engine.runner.prompt(parent.id, { parts: [{ type: "text", text: "go" }] })
  await engine.background.settled(parent.id)
})
const tasks = engine.background.list(parent.id)
const applied = tasks.filter((t) => t.changes?.merge === "applied").length
const present = Array.from({ length: CHILDREN }, (_, i) => i).filter(
  (i) =>
    readFileSync(path.join(directory, `child-${i}.txt`), "utf8") === `from child ${i}\n` &&
    readFileSync(path.join(directory, `pkg${i + 1}`, `file${(i + 1) * 50}.ts`), "utf8").includes(" = -"),
).length
const worktrees = (await gitOk(directory, ["worktree", "list"])).split("\n").length - 1
const branches = await gitOk(directory, ["branch", "--list", "tandem/*"])
await engine.close()
console.log(`\n${CHILDREN} isolated children, each writing one file and editing another:`)
console.log(
  `  all delivered in ${ms(total)} ms; merged back: ${applied}/${CHILDREN}; changes in the tree: ${present}/${CHILDREN}`,
)
console.log(`  left behind: ${worktrees} worktrees, ${branches ? branches.split("\n").length : 0} tandem/* branches`)
rmSync(scratch, { recursive: true, force: true })
