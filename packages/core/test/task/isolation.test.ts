import { afterEach, expect, test } from "bun:test"
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import path from "node:path"
import { tempProject } from "@tandem/testing/fixture"
import { gate, lastToolResults } from "@tandem/testing/script"
import { TaskUpdated } from "../../src/task/events"
import { dispatcher, say, synthetic, texts } from "./harness"
import {
  closeIsolationEngines,
  closeNow,
  edit,
  isolated,
  leftovers,
  spareWorktrees,
  read,
  repository,
  run,
  sh,
  start,
  steps,
  write,
} from "./isolation-helpers"

// Isolated children (`isolation: "worktree"`): each works in its own git worktree, and its
// changes come back to the parent's tree when it ends — merged, or kept on a branch.

afterEach(closeIsolationEngines)

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
  // Isolated dispatches enter the ledger as their worktrees are ready, in any order.
  expect(Object.fromEntries(tasks.map((t) => [t.description, t.changes]))).toEqual({
    "CHILD one": { files: ["one.txt"], merge: "applied" },
    "CHILD two": { files: ["src/deep.txt", "two.txt"], merge: "applied" },
    "CHILD three": { files: ["README.md"], merge: "applied" },
  })
  expect(tasks.every((t) => t.worktree?.branch === `tandem/${t.id}`)).toBe(true)
  expect(updates).toContain(tasks[0]!.worktree!.branch)
  const outputs = synthetic(engine, parentID).map((p) => (p.state.status === "completed" ? p.state.output : ""))
  expect(outputs.join("\n")).toContain('<changes files="2" merge="applied">\nsrc/deep.txt\ntwo.txt')
  expect(leftovers(directory)).toEqual({ worktrees: 0, branches: "" })
  expect(sh(directory, "status", "--porcelain")).toContain("?? one.txt")
  await closeNow(engine)
  expect(spareWorktrees(directory)).toBe(0)
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

test("an agent with isolation: worktree isolates its blocking calls; a shared-tree child lists the files it wrote", async () => {
  const directory = repository({ "a.txt": "a\n" })
  let workerSession = ""
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
      again: (request) => {
        const result = lastToolResults(request)[0]
        if (result) return { text: result.output }
        const input = { description: "iso", prompt: "CHILD iso", subagent_type: "worker", task_id: workerSession }
        return { toolCalls: [{ name: "task", input }] }
      },
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
  workerSession =
    blocking?.type === "tool" && blocking.state.status === "completed" ? String(blocking.state.metadata?.sessionId) : ""
  await engine.runner.prompt(parentID, say("again"))
  expect(texts(engine, parentID).at(-1)).toContain(`task_id ${workerSession} worked in`)
})
