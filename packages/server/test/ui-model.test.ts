import { expect, test } from "bun:test"
import { emptyTokens, type ToolPart, type WithParts } from "@tandem/core/session/message"
import type { SessionInfo } from "@tandem/core/session/session-info"
import type { TaskInfo } from "@tandem/core/task/task-info"
import { ascending, descending } from "@tandem/core/id/id"
import { MonitorModel, type Snapshot } from "../src/ui/client/model"

// The monitor's state, without a browser: the tree it keeps, the order it shows, and how events
// that race a snapshot are merged.

const ROOT = "ses_root"

function session(id: string, cost = 0, input = 0): SessionInfo {
  return {
    id,
    slug: id,
    projectID: "p",
    directory: "/p",
    title: id,
    version: "1",
    cost,
    tokens: { ...emptyTokens(), input },
    time: { created: 0, updated: 0 },
  }
}

function task(id: string, parent: string, child: string, change: Partial<TaskInfo> = {}): TaskInfo {
  return {
    id: `tsk_${id}`,
    parentSessionID: parent,
    parentMessageID: "msg_1",
    parentCallID: "call_1",
    sessionID: child,
    agent: "general",
    model: { providerID: "local", modelID: "scripted" },
    description: id,
    prompt: id,
    state: "running",
    attempts: 1,
    usage: { tokens: emptyTokens(), cost: 0, steps: 0 },
    time: { created: Number(id.replace(/\D/g, "") || 0), started: 1 },
    delivery: "pending",
    ...change,
  }
}

/** Every task the server knows: the root's, one nested below the first, and one elsewhere. */
const everyTask = () => [task("1", ROOT, "ses_c1"), task("3", "ses_c1", "ses_g3"), task("9", "ses_elsewhere", "ses_x")]

const snapshot = (change: Partial<Snapshot> = {}): Snapshot => ({
  root: session(ROOT, 0.5, 100),
  tasks: [task("1", ROOT, "ses_c1"), task("2", ROOT, "ses_c2")],
  permissions: [],
  ...change,
})

test("the tree holds the root's tasks and their descendants, each under its parent", () => {
  const model = new MonitorModel(ROOT)
  model.reset(snapshot())
  model.adopt(everyTask())
  expect(model.order().map(({ task, depth }) => [task.id, depth])).toEqual([
    ["tsk_1", 0],
    ["tsk_3", 1],
    ["tsk_2", 0],
  ])
  model.apply({ type: "task.created", properties: { task: task("4", "ses_g3", "ses_g4") } })
  model.apply({ type: "task.created", properties: { task: task("5", "ses_unrelated", "ses_u5") } })
  expect(model.order().map(({ task, depth }) => [task.id, depth])).toEqual([
    ["tsk_1", 0],
    ["tsk_3", 1],
    ["tsk_4", 2],
    ["tsk_2", 0],
  ])
})

test("an event older than the snapshot never moves a task back", () => {
  const model = new MonitorModel(ROOT)
  model.reset(snapshot({ tasks: [task("1", ROOT, "ses_c1", { state: "completed", time: { created: 1, ended: 5 } })] }))
  model.apply({ type: "task.updated", properties: { task: task("1", ROOT, "ses_c1", { state: "running" }) } })
  expect(model.tasks.get("tsk_1")?.state).toBe("completed")
  model.apply({ type: "task.updated", properties: { task: task("2", ROOT, "ses_c2", { state: "queued" }) } })
  model.apply({ type: "task.updated", properties: { task: task("2", ROOT, "ses_c2", { state: "cancelled" }) } })
  expect(model.tasks.get("tsk_2")?.state).toBe("cancelled")
})

test("figures come from whichever source is furthest along; the current tool from the child's parts", () => {
  const model = new MonitorModel(ROOT)
  model.reset(snapshot())
  model.apply({ type: "session.updated", properties: { sessionID: "ses_c1", info: session("ses_c1", 0.02, 700) } })
  const progress = { steps: 2, toolCalls: 1, tool: "glob", tokens: { ...emptyTokens(), input: 300 }, lastActivity: 1 }
  model.apply({
    type: "task.progress",
    properties: { taskID: "tsk_1", sessionID: "ses_c1", parentSessionID: ROOT, ...progress },
  })
  const first = model.figures(model.tasks.get("tsk_1")!)
  expect(first).toMatchObject({ steps: 2, cost: 0.02, tool: "glob" })
  expect(first.tokens.input).toBe(700)

  const part = (status: "running" | "completed"): ToolPart =>
    ({
      id: "prt_1",
      sessionID: "ses_c1",
      messageID: "msg_2",
      type: "tool",
      callID: "c",
      tool: "bash",
      state:
        status === "running"
          ? { status, input: {}, time: { start: 1 } }
          : { status, input: {}, output: "", title: "", metadata: {}, time: { start: 1, end: 2 } },
    }) as ToolPart
  model.apply({ type: "message.part.updated", properties: { sessionID: "ses_c1", part: part("running"), time: 1 } })
  expect(model.figures(model.tasks.get("tsk_1")!).tool).toBe("bash")
  model.apply({ type: "message.part.updated", properties: { sessionID: "ses_c1", part: part("completed"), time: 2 } })
  expect(model.figures(model.tasks.get("tsk_1")!).tool).toBeUndefined()
})

test("permission requests of the tree are shown, others are not", () => {
  const model = new MonitorModel(ROOT)
  const ask = (id: string, sessionID: string, parentSessionID?: string) => ({
    id: `per_${id}`,
    sessionID,
    parentSessionID,
    permission: "bash",
    patterns: ["ls"],
    metadata: {},
    always: ["ls"],
  })
  model.reset(snapshot({ permissions: [ask("a", "ses_g3", "ses_c1"), ask("b", "ses_other")] }))
  model.adopt(everyTask())
  model.apply({ type: "permission.asked", properties: ask("c", ROOT) })
  expect(model.pendingPermissions().map((p) => p.id)).toEqual(["per_a", "per_c"])
  model.apply({ type: "permission.replied", properties: { sessionID: ROOT, requestID: "per_c", reply: "once" } })
  expect(model.pendingPermissions().map((p) => p.id)).toEqual(["per_a"])
})

test("a page opened mid-run takes a running task's figures from its child's transcript", () => {
  const model = new MonitorModel(ROOT)
  model.reset(snapshot())
  const step = (id: string) => ({
    id,
    sessionID: "ses_c1",
    messageID: "msg_a",
    type: "step-finish" as const,
    reason: "tool-calls",
    cost: 0.01,
    tokens: { ...emptyTokens(), input: 100, output: 10 },
  })
  const running = {
    id: "prt_t",
    sessionID: "ses_c1",
    messageID: "msg_a",
    type: "tool" as const,
    callID: "c",
    tool: "grep",
    state: { status: "running" as const, input: {}, time: { start: 1 } },
  }
  const assistant = { id: "msg_a", sessionID: "ses_c1", role: "assistant" } as WithParts["info"]
  model.seed("tsk_1", [{ info: assistant, parts: [step("prt_1"), step("prt_2"), running] }])
  const figures = model.figures(model.tasks.get("tsk_1")!)
  expect(figures).toMatchObject({ steps: 2, cost: 0.02, tool: "grep" })
  expect(figures.tokens).toMatchObject({ input: 200, output: 20 })
})

test("the summed usage is the root's own plus every task's", () => {
  const model = new MonitorModel(ROOT)
  const done = { tokens: { ...emptyTokens(), input: 50, output: 5 }, cost: 0.25, steps: 3 }
  model.reset(snapshot({ tasks: [task("1", ROOT, "ses_c1", { state: "completed", usage: done })] }))
  model.apply({ type: "task.created", properties: { task: task("2", ROOT, "ses_c2") } })
  const usage = model.summedUsage()
  expect(usage).toMatchObject({ cost: 0.75, steps: 3, running: 1 })
  expect(usage.tokens).toMatchObject({ input: 150, output: 5 })
})

test("tasks made in one millisecond show in the order they were made, whether named by session or by tsk_ id", () => {
  const now = 1_700_000_000_000
  const [first, second, third] = [descending("session", now), descending("session", now), descending("session", now)]
  const older = ascending("task", now)
  const model = new MonitorModel(ROOT)
  const made = (id: string) => task("x", ROOT, id, { id, description: id, time: { created: now } })
  model.reset(snapshot({ tasks: [made(third), made(first), made(second)] }))
  model.apply({ type: "task.created", properties: { task: made(older) } })
  expect(first > second && second > third).toBe(true)
  expect(model.order().map(({ task }) => task.id)).toEqual([first, second, third, older])
})
