// Worktree isolation benchmark (not a test): `sh scripts/bun packages/testing/bench/worktree.ts`.
// Prints figures; asserts nothing.
//
// 1. On a repository of FILES files (default 5,000, committed, plus a few uncommitted changes),
//    creates an isolated child's worktree RUNS times without a spare (full checkout) and from a
//    spare made ahead of time, then times each step apart: the snapshot of the parent's tree (a
//    private index: copy, `add -A`, `write-tree`, `commit-tree`), `git worktree add` (the full
//    checkout), making a spare, switching it to the base, and moving it into place.
// 2. One parent dispatches CHILDREN (10) isolated background children on the scripted model;
//    each writes a file of its own and edits another: the time until every result is delivered,
//    whether every change reached the parent's tree, and what git has left behind.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import os from "node:os"
import path from "node:path"

const FILES = Number(process.env.FILES ?? 5000)
const RUNS = Number(process.env.RUNS ?? 10)
const CHILDREN = Number(process.env.CHILDREN ?? 10)
const SETTLE_MS = Number(process.env.SETTLE_MS ?? 1000)

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

const { SpareWorktrees } = await import("@tandem/core/task/spares")
const spares = new SpareWorktrees(path.join(root, ".spare"), 1)
const cold: number[] = []
const warm: number[] = []
const removals: number[] = []
const steps = {
  snapshot: [] as number[],
  checkout: [] as number[],
  spare: [] as number[],
  switch: [] as number[],
  move: [] as number[],
}
for (let run = 0; run < RUNS; run++) {
  // Without a spare: the snapshot and a full checkout.
  const [plain, total] = await timed(() => createWorktree(directory, root, `tsk_cold_${run}`))
  if (!plain.ok) throw new Error(plain.error)
  cold.push(total)
  const [, removal] = await timed(() => removeWorktree(directory, plain.worktree, false))
  removals.push(removal)
  // With a spare made ahead of time (as the pool does in the background), once it is ready.
  spares.fill(directory)
  const [ready] = await timed(() => spares.take(directory))
  // A pool's spare was made well before the dispatch that takes it: let its checkout's writes settle.
  await Bun.sleep(SETTLE_MS)
  const [made, fromSpare] = await timed(() => createWorktree(directory, root, `tsk_warm_${run}`, async () => ready))
  if (!made.ok) throw new Error(made.error)
  warm.push(fromSpare)
  await removeWorktree(directory, made.worktree, false)
  // The steps one at a time, to say where the time goes.
  const [base, snap] = await timed(() => snapshot(directory, head, "bench"))
  steps.snapshot.push(snap)
  const folder = path.join(root, `steps_${run}`)
  const [, checkout] = await timed(() =>
    git(directory, ["worktree", "add", "-q", "-b", `tandem/steps_${run}`, folder, base]),
  )
  steps.checkout.push(checkout)
  await removeWorktree(directory, { path: folder, branch: `tandem/steps_${run}` }, false)
  const spare = path.join(root, ".spare", `${process.pid}-steps-${run}`)
  const [, add] = await timed(() => git(directory, ["worktree", "add", "-q", "--detach", spare, "HEAD"]))
  steps.spare.push(add)
  const [, switched] = await timed(() => git(spare, ["checkout", "-q", "-f", "-b", `tandem/steps_${run}`, base]))
  steps.switch.push(switched)
  const [, moved] = await timed(() => git(directory, ["worktree", "move", spare, folder]))
  steps.move.push(moved)
  await removeWorktree(directory, { path: folder, branch: `tandem/steps_${run}` }, false)
}
await spares.close()

console.log(`Worktree of a repository of ${FILES} files, ${RUNS} runs (ms):`)
console.log(`  create, no spare (snapshot + worktree add)      ${summary(cold)}`)
console.log(`  create from a ready spare (snapshot + switch + move) ${summary(warm)}`)
console.log(`  remove (worktree + branch)                       ${summary(removals)}`)
console.log(`  steps:`)
console.log(`    snapshot of the parent's tree                  ${summary(steps.snapshot)}`)
console.log(`    git worktree add (full checkout)               ${summary(steps.checkout)}`)
console.log(`    making a spare (worktree add --detach HEAD)    ${summary(steps.spare)}`)
console.log(`    switching a spare to the base (checkout -f -b) ${summary(steps.switch)}`)
console.log(`    git worktree move into place                   ${summary(steps.move)}`)

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
await engine.close()
const worktrees = (await gitOk(directory, ["worktree", "list"])).split("\n").length - 1
const branches = await gitOk(directory, ["branch", "--list", "tandem/*"])
console.log(`\n${CHILDREN} isolated children, each writing one file and editing another:`)
console.log(
  `  all delivered in ${ms(total)} ms; merged back: ${applied}/${CHILDREN}; changes in the tree: ${present}/${CHILDREN}`,
)
console.log(
  `  left behind once the engine is closed: ${worktrees} worktrees, ${branches ? branches.split("\n").length : 0} tandem/* branches`,
)
rmSync(scratch, { recursive: true, force: true })
