import { afterAll, expect, test } from "bun:test"
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import path from "node:path"
import { startScriptedServer } from "@tandem/testing/scripted-server"
import { scriptedProject, tempProject } from "@tandem/testing/fixture"
import { gate, lastUser, type ScriptRequest, type Turn } from "@tandem/testing/script"
import { jsonRoutes, startServe, until, type Json } from "./serve-process"

// Isolated background children across a SIGKILL of the real server process: after the restart
// each task is resumed in its worktree (its work merged back) or ended as interrupted, and git
// shows nothing left behind: no worktree, no task branch, no spare, no folder.

const holds = new Map<string, ReturnType<typeof gate>>()
const held = (tag: string) => {
  if (!holds.has(tag)) holds.set(tag, gate())
  return holds.get(tag)!
}
const isolated = (tag: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({
    name: "task",
    input: {
      description: `${tag} ${i}`,
      prompt: `CHILD ${tag} ${i}`,
      subagent_type: "general",
      background: true,
      isolation: "worktree",
    },
  }))

async function respond(request: ScriptRequest): Promise<Turn> {
  const said = lastUser(request)
  const tools = request.messages.filter((m) => m.role === "tool").length
  const child = /^CHILD (\w+) (\d+)$/.exec(said)
  if (child) {
    const [, tag, i] = child
    // The "write" children write their file first; every child then waits until released.
    if (tag === "write" && !tools)
      return { toolCalls: [{ name: "write", input: { filePath: `child-${i}.txt`, content: `from ${i}\n` } }] }
    await held(tag!).promise
    return { text: `result of ${tag} ${i}` }
  }
  const fan = /^FAN (\w+) (\d+)$/.exec(said)
  if (fan && !tools) return { toolCalls: isolated(fan[1]!, Number(fan[2])) }
  return { text: tools ? "dispatched" : `answer to ${said}` }
}

const model = startScriptedServer({ responder: respond })
const processes: ReturnType<typeof Bun.spawn>[] = []
afterAll(async () => {
  for (const child of processes) child.kill("SIGKILL")
  for (const hold of holds.values()) hold.release()
  await model.stop()
})

function git(cwd: string, ...args: string[]) {
  const run = Bun.spawnSync(["git", "-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd })
  if (run.exitCode !== 0) throw new Error(`git ${args.join(" ")}: ${run.stderr.toString()}`)
  return run.stdout.toString().trim()
}

/** A git project on the scripted model, its data kept outside the repository. */
function project(maxAttempts: number) {
  const directory = scriptedProject(model.url, {
    tandem: { title: false, background: { max_attempts: maxAttempts } },
    permission: { edit: "allow" },
  })
  writeFileSync(path.join(directory, "a.txt"), "a\n")
  git(directory, "init", "-q", "-b", "main")
  git(directory, "add", "-A")
  git(directory, "commit", "-q", "-m", "start")
  return { directory, data: tempProject("tandem-data-") }
}

async function start(directory: string, data: string) {
  const { child, url } = await startServe(directory, { ...process.env, XDG_DATA_HOME: data })
  processes.push(child)
  const call = jsonRoutes(url)
  return { child, call }
}

const worktrees = (directory: string) =>
  git(directory, "worktree", "list", "--porcelain")
    .split("\n")
    .filter((line) => line.startsWith("worktree "))
    .slice(1)

/** Kills the server once its isolated children are running (and its spares made), then starts it again. */
async function killMidRun(tag: string, maxAttempts: number, ready: (directory: string) => boolean) {
  const { directory, data } = project(maxAttempts)
  const first = await start(directory, data)
  const parent = await first.call("POST", "/session", {})
  await first.call("POST", `/session/${parent.id}/prompt_async`, { parts: [{ type: "text", text: `FAN ${tag} 2` }] })
  await until(
    () => first.call("GET", `/session/${parent.id}/task`),
    (t) => t.length === 2 && t.every((x: Json) => x.state === "running" && x.worktree),
    "2 isolated children running",
  )
  await until(() => ready(directory), Boolean, "the children's progress")
  first.child.kill("SIGKILL")
  await first.child.exited
  expect(worktrees(directory).length).toBeGreaterThanOrEqual(2)
  held(tag).release()
  const second = await start(directory, data)
  const tasks = await until(
    () => second.call("GET", `/session/${parent.id}/task`),
    (list) => list.every((t: Json) => t.delivery === "delivered"),
    "every task delivered",
  )
  const messages = (await second.call("GET", `/session/${parent.id}/message`)) as Json[]
  const synthetic = messages.flatMap((m) => m.parts).filter((p: Json) => p.type === "tool" && p.metadata?.synthetic)
  for (const task of tasks) expect(synthetic.filter((p: Json) => p.state.input.task_id === task.id)).toHaveLength(1)
  second.child.kill("SIGTERM")
  expect(await second.child.exited).toBe(0)
  // Nothing left: git's worktrees and branches, and the folder that holds worktrees and spares.
  expect(worktrees(directory)).toEqual([])
  expect(git(directory, "branch", "--list", "tandem/*")).toBe("")
  const root = path.join(data, "tandem", "worktrees")
  const left = existsSync(root) ? readdirSync(root, { recursive: true }) : []
  expect(left.filter((name) => name !== ".spare")).toEqual([])
  return { directory, tasks }
}

test("SIGKILL with isolated children mid-run: each resumes in its worktree, its work merged back once", async () => {
  // Killed after both children wrote their file and while spares were kept ready.
  const { directory, tasks } = await killMidRun("write", 3, (dir) => {
    const written = model.calls.filter(
      (c) => /^CHILD write/.test(lastUser(c)) && c.messages.some((m) => m.role === "tool"),
    )
    return written.length === 2 && worktrees(dir).some((line) => line.includes("/.spare/"))
  })
  expect(tasks.map((t: Json) => [t.state, t.attempts, t.changes?.merge])).toEqual([
    ["completed", 2, "applied"],
    ["completed", 2, "applied"],
  ])
  expect(readFileSync(path.join(directory, "child-0.txt"), "utf8")).toBe("from 0\n")
  expect(readFileSync(path.join(directory, "child-1.txt"), "utf8")).toBe("from 1\n")
}, 90_000)

test("SIGKILL with isolated children and no attempts left: each is reported interrupted once, its worktree removed", async () => {
  const { directory, tasks } = await killMidRun(
    "idle",
    1,
    () => model.calls.filter((c) => lastUser(c).startsWith("CHILD idle")).length === 2,
  )
  expect(tasks.map((t: Json) => t.state)).toEqual(["interrupted", "interrupted"])
  // The result says where the child's work would be; these children changed nothing, so no branch is left.
  for (const task of tasks) expect(task.reason).toContain(`kept on branch tandem/${task.id}`)
  expect(git(directory, "status", "--porcelain")).toBe("")
}, 90_000)
