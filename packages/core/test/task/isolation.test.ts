import { afterEach, expect, test } from "bun:test"
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import path from "node:path"
import { tempProject, testEngine } from "@tandem/testing/fixture"
import { gate, lastToolResults, type ScriptRequest, type Turn } from "@tandem/testing/script"
import type { Config } from "../../src/config/config"
import type { Engine } from "../../src/engine"
import { TaskCreated, TaskUpdated } from "../../src/task/events"
import { byPrompt, dispatcher, say, synthetic, type Handler } from "./harness"

// Isolated children (`isolation: "worktree"`): each works in its own git worktree, and its
// changes come back to the parent's tree when it ends — merged, or kept on a branch.

const engines: Engine[] = []
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close()
})

function sh(cwd: string, ...args: string[]) {
  const run = Bun.spawnSync(["git", "-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd })
  if (run.exitCode !== 0) throw new Error(`git ${args.join(" ")}: ${run.stderr.toString()}`)
  return run.stdout.toString().trim()
}

/** A temporary git repository with `files` committed. */
function repository(files: Record<string, string>) {
  const directory = tempProject("tandem-iso-")
  sh(directory, "init", "-q", "-b", "main")
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(directory, name), content)
  sh(directory, "add", "-A")
  sh(directory, "commit", "-q", "-m", "start")
  return directory
}

/** What git knows of worktrees and task branches besides the main tree. */
function leftovers(directory: string) {
  const worktrees = sh(directory, "worktree", "list", "--porcelain")
    .split("\n")
    .filter((line) => line.startsWith("worktree "))
  return { worktrees: worktrees.length - 1, branches: sh(directory, "branch", "--list", "tandem/*") }
}

const isolated = (prompt: string) => ({
  name: "task",
  input: { description: prompt, prompt, subagent_type: "general", background: true, isolation: "worktree" },
})

/** A child that runs `calls` one after another, then answers `done` (after `before`, when given). */
function steps(calls: Turn["toolCalls"][], before?: () => Promise<void>): Handler {
  return async (request: ScriptRequest) => {
    const done = request.messages.filter((m) => m.role === "tool").length
    if (done < calls.length) return { toolCalls: calls[done] }
    await before?.()
    return { text: `done: ${lastToolResults(request)[0]?.output ?? ""}` }
  }
}

const write = (filePath: string, content: string) => [{ name: "write", input: { filePath, content } }]
const read = (filePath: string) => [{ name: "read", input: { filePath } }]
const edit = (filePath: string, oldString: string, newString: string) => [
  { name: "edit", input: { filePath, oldString, newString } },
]

function start(directory: string, handlers: Record<string, Handler>, dbFile?: string, config?: Config) {
  const harness = testEngine({ responder: byPrompt(handlers), directory, dbFile, config, interactive: false })
  engines.push(harness.engine)
  return harness.engine
}

async function run(engine: Engine, directory: string, text: string) {
  const parent = engine.store.createSession({ directory })
  await engine.runner.prompt(parent.id, say(text))
  await engine.background.settled(parent.id)
  return parent.id
}

test("isolated children with distinct files: every change applied, listed, nothing left behind", async () => {
  const directory = repository({ "README.md": "hello\n" })
  const engine = start(directory, {
    go: dispatcher([isolated("CHILD one"), isolated("CHILD two"), isolated("CHILD three")], "waiting"),
    "CHILD one": steps([write("one.txt", "1\n")]),
    "CHILD two": steps([write("two.txt", "2\n"), write("src/deep.txt", "deep\n")]),
    "CHILD three": steps([read("README.md"), edit("README.md", "hello", "hello, world")]),
  })
  const updates: string[] = []
  engine.bus.on(TaskUpdated, ({ task }) => task.worktree && updates.push(task.worktree.branch))
  const parentID = await run(engine, directory, "go")
  expect(readFileSync(path.join(directory, "one.txt"), "utf8")).toBe("1\n")
  expect(readFileSync(path.join(directory, "src/deep.txt"), "utf8")).toBe("deep\n")
  expect(readFileSync(path.join(directory, "README.md"), "utf8")).toBe("hello, world\n")
  const tasks = engine.background.list(parentID)
  expect(tasks.map((t) => t.changes)).toEqual([
    { files: ["one.txt"], merge: "applied" },
    { files: ["src/deep.txt", "two.txt"], merge: "applied" },
    { files: ["README.md"], merge: "applied" },
  ])
  expect(tasks.every((t) => t.worktree?.branch === `tandem/${t.id}`)).toBe(true)
  expect(updates).toContain(tasks[0]!.worktree!.branch)
  const outputs = synthetic(engine, parentID).map((p) => (p.state.status === "completed" ? p.state.output : ""))
  expect(outputs.join("\n")).toContain('<changes files="2" merge="applied">\nsrc/deep.txt\ntwo.txt')
  expect(leftovers(directory)).toEqual({ worktrees: 0, branches: "" })
  expect(sh(directory, "status", "--porcelain")).toContain("?? one.txt")
})

test("a conflict with the parent's own change is reported and the branch kept; the parent's tree is untouched", async () => {
  const directory = repository({ "shared.txt": "a\nb\nc\n" })
  const edited = Promise.withResolvers<void>()
  const release = gate()
  const engine = start(directory, {
    go: dispatcher([isolated("CHILD edit")], "waiting"),
    "CHILD edit": steps([read("shared.txt"), edit("shared.txt", "b", "child")], async () => {
      edited.resolve()
      await release.promise
    }),
  })
  const parent = engine.store.createSession({ directory })
  await engine.runner.prompt(parent.id, say("go"))
  await edited.promise
  expect(readFileSync(path.join(directory, "shared.txt"), "utf8")).toBe("a\nb\nc\n")
  writeFileSync(path.join(directory, "shared.txt"), "a\nparent\nc\n")
  release.release()
  await engine.background.settled(parent.id)
  const [task] = engine.background.list(parent.id)
  const branch = `tandem/${task!.id}`
  expect(task!.changes).toEqual({ files: ["shared.txt"], merge: "conflict", conflicts: ["shared.txt"], branch })
  expect(readFileSync(path.join(directory, "shared.txt"), "utf8")).toBe("a\nparent\nc\n")
  expect(sh(directory, "show", `${branch}:shared.txt`)).toBe("a\nchild\nc")
  expect(leftovers(directory)).toEqual({ worktrees: 0, branches: branch })
  const [part] = synthetic(engine, parent.id)
  expect(part!.state.status === "completed" && part!.state.output).toContain(`merge="conflict" branch="${branch}"`)
})

test("the child starts from the parent's uncommitted state; the parent's edits meanwhile merge with the child's", async () => {
  const lines = Array.from({ length: 12 }, (_, i) => `line ${i + 1}`).join("\n") + "\n"
  const directory = repository({ "long.txt": lines })
  writeFileSync(path.join(directory, "notes.txt"), "uncommitted note\n")
  const edited = Promise.withResolvers<void>()
  const release = gate()
  let seen = ""
  const engine = start(directory, {
    go: dispatcher([isolated("CHILD merge")], "waiting"),
    "CHILD merge": steps(
      [read("notes.txt"), read("long.txt"), edit("long.txt", "line 11", "line eleven")],
      async () => {
        edited.resolve()
        await release.promise
      },
    ),
  })
  engine.bus.on(TaskUpdated, ({ task }) => {
    if (task.state === "running" && task.worktree) seen = task.worktree.path
  })
  const parent = engine.store.createSession({ directory })
  await engine.runner.prompt(parent.id, say("go"))
  await edited.promise
  expect(readFileSync(path.join(seen, "notes.txt"), "utf8")).toBe("uncommitted note\n")
  expect(path.relative(directory, seen).startsWith("..")).toBe(true)
  writeFileSync(path.join(directory, "long.txt"), lines.replace("line 2\n", "line two\n"))
  writeFileSync(path.join(directory, "parent-new.txt"), "mine\n")
  release.release()
  await engine.background.settled(parent.id)
  const merged = readFileSync(path.join(directory, "long.txt"), "utf8")
  expect(merged).toContain("line two\n")
  expect(merged).toContain("line eleven\n")
  expect(readFileSync(path.join(directory, "parent-new.txt"), "utf8")).toBe("mine\n")
  expect(engine.background.list(parent.id)[0]!.changes).toEqual({ files: ["long.txt"], merge: "applied" })
  expect(existsSync(seen)).toBe(false)
  expect(leftovers(directory)).toEqual({ worktrees: 0, branches: "" })
})

test("cancelling an isolated child mid-run brings back what it did and leaks nothing", async () => {
  const directory = repository({ "a.txt": "a\n" })
  const wrote = Promise.withResolvers<void>()
  const never = gate()
  const engine = start(directory, {
    go: dispatcher([isolated("CHILD slow")], "waiting"),
    "CHILD slow": steps([write("partial.txt", "half\n")], async () => {
      wrote.resolve()
      await never.promise
    }),
  })
  const parent = engine.store.createSession({ directory })
  await engine.runner.prompt(parent.id, say("go"))
  await wrote.promise
  const [task] = engine.background.list(parent.id)
  engine.background.cancel(task!.id, "not needed")
  await engine.background.settled(parent.id)
  expect(engine.background.get(task!.id)).toMatchObject({
    state: "cancelled",
    changes: { files: ["partial.txt"], merge: "applied" },
  })
  expect(leftovers(directory)).toEqual({ worktrees: 0, branches: "" })
  never.release()
})

test("outside a git repository an isolated task is refused with a clear error", async () => {
  const directory = tempProject()
  let answer = ""
  const engine = start(directory, {
    go: (request) => {
      const results = lastToolResults(request)
      if (!results.length) return { toolCalls: [isolated("CHILD none")] }
      answer = results[0]!.output
      return { text: "ok" }
    },
  })
  const parentID = await run(engine, directory, "go")
  expect(answer).toContain(`isolation "worktree" needs a git repository, and ${directory} is not in one`)
  expect(engine.background.list(parentID)).toEqual([])
})

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

  // The first engine is abandoned as a killed process would be; a second one starts on its data.
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

test("an agent with isolation: worktree isolates its blocking calls; a shared-tree child lists the files it wrote", async () => {
  const directory = repository({ "a.txt": "a\n" })
  const engine = start(
    directory,
    {
      go: (request) => {
        if (lastToolResults(request).length) return { text: "ok" }
        return {
          toolCalls: [
            { name: "task", input: { description: "iso", prompt: "CHILD iso", subagent_type: "worker" } },
            {
              name: "task",
              input: { description: "shared", prompt: "CHILD shared", subagent_type: "general", background: true },
            },
          ],
        }
      },
      "CHILD iso": steps([write("from-worker.txt", "w\n")]),
      "CHILD shared": steps([write("from-shared.txt", "s\n")]),
    },
    undefined,
    { agent: { worker: { mode: "subagent", description: "isolated worker", isolation: "worktree" } } },
  )
  const parentID = await run(engine, directory, "go")
  const parts = engine.store.messages(parentID).flatMap((m) => m.parts)
  const blocking = parts.find((p) => p.type === "tool" && p.state.status === "completed" && p.state.title === "iso")
  expect(blocking?.type === "tool" && blocking.state.status === "completed" && blocking.state.output).toContain(
    '<changes files="1" merge="applied">\nfrom-worker.txt',
  )
  expect(readFileSync(path.join(directory, "from-worker.txt"), "utf8")).toBe("w\n")
  const [shared] = engine.background.list(parentID)
  expect(shared!.changes).toEqual({ files: ["from-shared.txt"] })
  const delivered = synthetic(engine, parentID).map((p) => (p.state.status === "completed" ? p.state.output : ""))
  expect(delivered.join("\n")).toContain('<changes files="1">\nfrom-shared.txt\n</changes>')
  expect(leftovers(directory)).toEqual({ worktrees: 0, branches: "" })
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
  engines.splice(engines.indexOf(engine), 1)
  await engine.close()
  expect(leftovers(directory)).toEqual({ worktrees: 0, branches: "" })
})
