import { afterEach, expect, test } from "bun:test"
import { testEngine, record } from "@tandem/testing/fixture"
import { gate, lastToolResults, lastUser, type Responder, type ScriptRequest, type Turn } from "@tandem/testing/script"
import { SessionCreated, SessionIdle } from "../../src/session/events"
import { PermissionAsked } from "../../src/permission/permission"
import { TaskDelivered, TaskUpdated } from "../../src/task/events"
import type { Engine } from "../../src/engine"
import type { ToolPart } from "../../src/session/message"
import type { BackgroundConfig } from "../../src/config/config"

const engines: Engine[] = []
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close()
})

type Handler = (request: ScriptRequest) => Turn | Promise<Turn>

/** Routes each model call by the text of the session's last user message. */
function byPrompt(handlers: Record<string, Handler>, fallback: Handler = () => ({ text: "ok" })): Responder {
  return (request) => {
    const said = lastUser(request)
    const handler = handlers[said] ?? Object.entries(handlers).find(([key]) => said.startsWith(key))?.[1] ?? fallback
    return handler(request)
  }
}

const background = (prompt: string, description = prompt) => ({
  name: "task",
  input: { description, prompt, subagent_type: "general", background: true },
})

/** First call: the given tool calls; after their results: `then`. Delivered results get `onResult`. */
function dispatcher(
  calls: Turn["toolCalls"],
  then: string,
  onResult: (request: ScriptRequest) => Turn = () => ({ text: "got results" }),
): Handler {
  return (request) => {
    const results = lastToolResults(request)
    if (!results.length) return { toolCalls: calls }
    if (results.every((r) => r.output.includes("Background task started"))) return { text: then }
    return onResult(request)
  }
}

function setup(
  responder: Responder,
  settings: Partial<BackgroundConfig> = {},
  extra: { interactive?: boolean; permission?: Record<string, "allow" | "ask" | "deny"> } = {},
) {
  const harness = testEngine({
    responder,
    interactive: extra.interactive,
    config: {
      permission: extra.permission,
      tandem: { background: { coalesce_ms: 25, progress_interval_ms: 0, ...settings } },
    },
  })
  engines.push(harness.engine)
  return harness
}

/** A handler that answers `text` once `held` is released. */
const answersWhenReleased =
  (held: ReturnType<typeof gate>, text: string): Handler =>
  async () => {
    await held.promise
    return { text }
  }

const say = (text: string) => ({ parts: [{ type: "text" as const, text }] })
const texts = (engine: Engine, sessionID: string) =>
  engine.store.messages(sessionID).flatMap((m) => m.parts.flatMap((p) => (p.type === "text" ? [p.text] : [])))
const synthetic = (engine: Engine, sessionID: string) =>
  engine.store
    .messages(sessionID)
    .flatMap((m) => m.parts)
    .filter((p): p is ToolPart => p.type === "tool" && p.metadata?.synthetic === true)
const idleAfter = (engine: Engine, sessionID: string) => engine.bus.once(SessionIdle, (e) => e.sessionID === sessionID)

test("non-blocking, proven by order: the parent answers a second message while the child is held", async () => {
  const child = gate()
  const { engine, directory, calls } = setup(
    byPrompt({
      dispatch: dispatcher([background("CHILD slow", "Slow job")], "dispatched"),
      question: (request) =>
        lastToolResults(request).length
          ? { text: `got: ${lastToolResults(request)[0]!.output.includes("child finished")}` }
          : { text: "answer while the child works" },
      "CHILD slow": answersWhenReleased(child, "child finished"),
    }),
  )
  const parent = engine.store.createSession({ directory })
  const first = await engine.runner.prompt(parent.id, say("dispatch"))
  expect(first.parts.find((p) => p.type === "text")).toMatchObject({ text: "dispatched" })
  const [task] = engine.background.list(parent.id)
  expect(task).toMatchObject({ state: "running", description: "Slow job", delivery: "pending" })
  const receipt = engine.store.messages(parent.id)[1]!.parts.find((p) => p.type === "tool") as ToolPart
  expect(receipt.state.status === "completed" && receipt.state.output).toContain(task!.id)

  const second = await engine.runner.prompt(parent.id, say("question"))
  expect(second.parts.find((p) => p.type === "text")).toMatchObject({ text: "answer while the child works" })
  expect(child.open).toBe(false)
  expect(engine.background.get(task!.id)?.state).toBe("running")
  const before = JSON.stringify(engine.store.messages(parent.id))

  const delivered = engine.bus.once(TaskDelivered)
  child.release()
  expect(await delivered).toMatchObject({ taskID: task!.id, parentSessionID: parent.id, via: "idle" })
  await idleAfter(engine, parent.id)

  expect(texts(engine, parent.id).at(-1)).toBe("got: true")
  const after = JSON.stringify(engine.store.messages(parent.id))
  expect(after.startsWith(before.slice(0, -1))).toBe(true)
  const [part] = synthetic(engine, parent.id)
  expect(part!.state).toMatchObject({ status: "completed", input: { description: "Slow job", task_id: task!.id } })
  expect(part!.state.status === "completed" && part!.state.output).toContain('state="completed"')
  expect(engine.background.get(task!.id)).toMatchObject({
    state: "completed",
    delivery: "delivered",
    result: "child finished",
  })
  const parentCalls = calls.filter((c) => !lastUser(c).startsWith("CHILD"))
  expect(parentCalls.at(-1)!.messages.at(-1)).toMatchObject({ role: "tool", toolResults: [{ name: "task" }] })
})

test("busy parent: a result is drained at the next step boundary, after that step's own tool results", async () => {
  const child = gate()
  const step2 = gate()
  let step = 0
  const { engine, directory, calls } = setup(
    byPrompt({
      work: async (request) => {
        step++
        if (step === 1) return { toolCalls: [background("CHILD quick")] }
        if (step === 2) {
          await step2.promise
          return { toolCalls: [{ name: "glob", input: { pattern: "*.none" } }] }
        }
        const names = request.messages.flatMap((m) => m.toolResults?.map((r) => r.name) ?? [])
        return { text: `order: ${names.join(",")}` }
      },
      "CHILD quick": answersWhenReleased(child, "quick result"),
    }),
  )
  const parent = engine.store.createSession({ directory })
  const reply = engine.runner.prompt(parent.id, say("work"))
  const done = engine.bus.once(TaskUpdated, (e) => e.task.state === "completed")
  child.release()
  await done
  expect(engine.runner.isBusy(parent.id)).toBe(true)
  const delivered = record(engine.bus, TaskDelivered)
  step2.release()
  const final = await reply
  expect(final.parts.find((p) => p.type === "text")).toMatchObject({ text: "order: task,glob,task" })
  expect(delivered).toEqual([expect.objectContaining({ via: "step" })])
  expect(calls.filter((c) => lastUser(c) === "work")).toHaveLength(3)
})

test("results that end close together reach the parent in one model turn", async () => {
  const release = gate()
  const { engine, directory, calls } = setup(
    byPrompt({
      fan: dispatcher(
        [background("CHILD a"), background("CHILD b"), background("CHILD c")],
        "dispatched three",
        (request) => ({
          text: `results: ${lastToolResults(request).length}`,
        }),
      ),
      CHILD: async (request) => {
        await release.promise
        return { text: `done ${lastUser(request)}` }
      },
    }),
    { coalesce_ms: 300 },
  )
  const parent = engine.store.createSession({ directory })
  await engine.runner.prompt(parent.id, say("fan"))
  const turnsBefore = calls.filter((c) => lastUser(c) === "fan").length
  const delivered = record(engine.bus, TaskDelivered)
  const allDone = engine.bus.once(TaskDelivered, () => delivered.length === 3)
  release.release()
  await allDone
  await idleAfter(engine, parent.id)
  expect(new Set(delivered.map((d) => d.messageID)).size).toBe(1)
  expect(calls.filter((c) => lastUser(c) === "fan").length - turnsBefore).toBe(1)
  expect(texts(engine, parent.id).at(-1)).toBe("results: 3")
})

test("the last unfinished task's result is delivered at once, without waiting for the window", async () => {
  const child = gate()
  const { engine, directory } = setup(
    byPrompt({
      fan: dispatcher([background("CHILD only")], "dispatched", () => ({ text: "read the result" })),
      "CHILD only": answersWhenReleased(child, "only result"),
    }),
    // A window far longer than the test may run: only the last-result rule can deliver in time.
    { coalesce_ms: 600_000 },
  )
  const parent = engine.store.createSession({ directory })
  await engine.runner.prompt(parent.id, say("fan"))
  const delivered = engine.bus.once(TaskDelivered)
  const idle = engine.bus.once(SessionIdle, (e) => e.sessionID === parent.id)
  child.release()
  expect(await delivered).toMatchObject({ parentSessionID: parent.id, via: "idle" })
  await idle
  expect(texts(engine, parent.id).at(-1)).toBe("read the result")
})

test("exactly once: twenty concurrent completions, each delivered once, none twice", async () => {
  const release = gate()
  const n = 20
  const { engine, directory } = setup(
    byPrompt({
      many: dispatcher(
        Array.from({ length: n }, (_, i) => background(`CHILD ${i}`)),
        "dispatched",
        () => ({ text: "noted" }),
      ),
      CHILD: answersWhenReleased(release, "r"),
    }),
    { coalesce_ms: 0, max_running: 0, max_running_per_session: 0, max_running_per_model: 0 },
  )
  const parent = engine.store.createSession({ directory })
  await engine.runner.prompt(parent.id, say("many"))
  const delivered = record(engine.bus, TaskDelivered)
  const all = engine.bus.once(TaskDelivered, () => delivered.length === n)
  release.release()
  await all
  await engine.runner.settle()
  const ids = delivered.map((d) => d.taskID)
  expect(new Set(ids).size).toBe(n)
  expect(synthetic(engine, parent.id)).toHaveLength(n)
  expect(engine.background.list(parent.id).every((t) => t.delivery === "delivered" && t.state === "completed")).toBe(
    true,
  )
})

test("caps and FIFO: at most two per session run at once, started in dispatch order", async () => {
  const gates = Array.from({ length: 5 }, () => gate())
  const { engine, directory } = setup(
    byPrompt({
      queue: dispatcher(
        gates.map((_, i) => background(`CHILD ${i}`)),
        "dispatched",
      ),
      CHILD: async (request) => {
        await gates[Number(lastUser(request).split(" ")[1])]!.promise
        return { text: "done" }
      },
    }),
    { max_running_per_session: 2 },
  )
  const started: string[] = []
  let peak = 0
  engine.bus.on(TaskUpdated, ({ task }) => {
    if (task.state === "running") started.push(task.description)
    peak = Math.max(peak, engine.background.scheduler.stats().running)
  })
  const parent = engine.store.createSession({ directory })
  await engine.runner.prompt(parent.id, say("queue"))
  expect(engine.background.list(parent.id).map((t) => t.state)).toEqual([
    "running",
    "running",
    "queued",
    "queued",
    "queued",
  ])
  const allDelivered = engine.bus.once(TaskDelivered, () =>
    engine.background.list(parent.id).every((t) => t.delivery !== "pending"),
  )
  for (const [i, g] of gates.entries()) {
    const ended = engine.bus.once(
      TaskUpdated,
      (e) => e.task.description === `CHILD ${i}` && e.task.state === "completed",
    )
    g.release()
    await ended
  }
  await allDelivered
  expect(started).toEqual(["CHILD 0", "CHILD 1", "CHILD 2", "CHILD 3", "CHILD 4"])
  expect(peak).toBeLessThanOrEqual(2)
  expect(engine.background.scheduler.stats()).toEqual({ running: 0, queued: 0 })
})

test("nesting: a grandchild's result travels to its own parent, which finishes before reporting up", async () => {
  const { engine, directory } = setup(
    byPrompt({
      top: dispatcher([background("CHILD middle")], "dispatched", (request) => ({
        text: `top got: ${lastToolResults(request)[0]!.output.includes("middle saw leaf")}`,
      })),
      "CHILD middle": dispatcher([background("CHILD leaf")], "middle waiting", (request) => ({
        text: `middle saw ${lastToolResults(request)[0]!.output.includes("leaf result") ? "leaf" : "nothing"}`,
      })),
      "CHILD leaf": () => ({ text: "leaf result" }),
    }),
  )
  const parent = engine.store.createSession({ directory })
  const delivered = record(engine.bus, TaskDelivered)
  await engine.runner.prompt(parent.id, say("top"))
  await engine.bus.once(TaskDelivered, (e) => e.parentSessionID === parent.id)
  await idleAfter(engine, parent.id)
  expect(texts(engine, parent.id).at(-1)).toBe("top got: true")
  const [middle] = engine.background.list(parent.id)
  expect(engine.background.list(middle!.sessionID)).toHaveLength(1)
  expect(delivered.map((d) => d.parentSessionID)).toEqual([middle!.sessionID, parent.id])
})

test("budgets: a step budget and a token budget end a task with its partial result, and say so", async () => {
  const { engine, directory } = setup(
    byPrompt({
      budget: dispatcher([background("CHILD loop")], "dispatched", (request) => ({
        text: lastToolResults(request)[0]!.output,
      })),
      "CHILD loop": () => ({ text: "still going", toolCalls: [{ name: "glob", input: { pattern: "*.x" } }] }),
    }),
    { max_steps: 2 },
  )
  const parent = engine.store.createSession({ directory })
  await engine.runner.prompt(parent.id, say("budget"))
  await engine.bus.once(TaskDelivered)
  await idleAfter(engine, parent.id)
  const [task] = engine.background.list(parent.id)
  expect(task).toMatchObject({
    state: "completed",
    reason: expect.stringContaining("step budget of 2"),
    usage: { steps: 2 },
  })
  expect(texts(engine, parent.id).at(-1)).toContain('partial="true"')

  const tokens = setup(
    byPrompt({
      budget: dispatcher([background("CHILD big")], "dispatched", (request) => ({
        text: lastToolResults(request)[0]!.output,
      })),
      "CHILD big": () => ({
        text: "big step",
        toolCalls: [{ name: "glob", input: { pattern: "*.x" } }],
        usage: { input: 600, output: 600 },
      }),
    }),
    { max_tokens: 1000 },
  )
  const p2 = tokens.engine.store.createSession({ directory: tokens.directory })
  await tokens.engine.runner.prompt(p2.id, say("budget"))
  await tokens.engine.bus.once(TaskDelivered)
  const [t2] = tokens.engine.background.list(p2.id)
  expect(t2).toMatchObject({
    state: "completed",
    reason: expect.stringContaining("token budget of 1000"),
    usage: { steps: 1 },
  })
})

test("cancel cascades to descendants, and a cancelled task still delivers a cancelled result", async () => {
  const never = gate()
  const { engine, directory } = setup(
    byPrompt({
      tree: dispatcher([background("CHILD middle")], "dispatched", (request) => ({
        text: lastToolResults(request)[0]!.output,
      })),
      "CHILD middle": dispatcher([background("CHILD leaf")], "middle waiting"),
      "CHILD leaf": answersWhenReleased(never, "unreachable"),
    }),
    { resume_parent: false },
  )
  const parent = engine.store.createSession({ directory })
  const leafRunning = engine.bus.once(
    TaskUpdated,
    (e) => e.task.description === "CHILD leaf" && e.task.state === "running",
  )
  await engine.runner.prompt(parent.id, say("tree"))
  await leafRunning
  const [middle] = engine.background.list(parent.id)
  const delivered = engine.bus.once(TaskDelivered, (e) => e.parentSessionID === parent.id)
  engine.background.cancel(middle!.id, "not needed")
  await delivered
  const [leaf] = engine.background.list(middle!.sessionID)
  expect(engine.background.get(middle!.id)).toMatchObject({ state: "cancelled", delivery: "delivered" })
  expect(leaf).toMatchObject({ state: "cancelled" })
  const [part] = synthetic(engine, parent.id)
  expect(part!.state.status === "completed" && part!.state.output).toContain('state="cancelled"')
  never.release()
})

test("aborting the parent's turn leaves background tasks running; cancel_on_abort and deleting the parent cancel them", async () => {
  for (const cancelOnAbort of [false, true]) {
    const child = gate()
    const hold = gate()
    let step = 0
    const { engine, directory } = setup(
      byPrompt({
        go: async () => {
          step++
          if (step === 1) return { toolCalls: [background("CHILD held")] }
          await hold.promise
          return { text: "late" }
        },
        "CHILD held": answersWhenReleased(child, "held result"),
      }),
      { cancel_on_abort: cancelOnAbort, resume_parent: false },
    )
    const parent = engine.store.createSession({ directory })
    const running = engine.bus.once(TaskUpdated, (e) => e.task.state === "running")
    const reply = engine.runner.prompt(parent.id, say("go"))
    await running
    const cancelled = engine.bus.once(TaskUpdated, (e) => e.task.state === "cancelled")
    engine.runner.abort(parent.id)
    await reply
    if (cancelOnAbort) await cancelled
    const [task] = engine.background.list(parent.id)
    expect(task!.state).toBe(cancelOnAbort ? "cancelled" : "running")
    hold.release()
    if (!cancelOnAbort) {
      engine.deleteSession(parent.id)
      expect((await cancelled).task.id).toBe(task!.id)
    }
    child.release()
  }
})

test("permissions: a background child's ask names its parent; headless, it is refused with a reason the child sees", async () => {
  const responder = byPrompt({
    ask: dispatcher([background("CHILD shell")], "dispatched", (request) => ({
      text: lastToolResults(request)[0]!.output,
    })),
    "CHILD shell": (request) => {
      const results = lastToolResults(request)
      if (results.length) return { text: `child saw: ${results[0]!.output}` }
      return { toolCalls: [{ name: "bash", input: { command: "echo hi", description: "echo" } }] }
    },
  })
  const interactive = setup(responder, {}, { permission: { bash: "ask" } })
  const parent = interactive.engine.store.createSession({ directory: interactive.directory })
  const asked = interactive.engine.bus.once(PermissionAsked)
  await interactive.engine.runner.prompt(parent.id, say("ask"))
  const request = await asked
  const [task] = interactive.engine.background.list(parent.id)
  expect(request).toMatchObject({ sessionID: task!.sessionID, parentSessionID: parent.id, permission: "bash" })
  interactive.engine.permissions.reply(request.id, "reject")
  await interactive.engine.bus.once(TaskDelivered)

  const headless = setup(responder, {}, { interactive: false, permission: { bash: "ask" } })
  const p2 = headless.engine.store.createSession({ directory: headless.directory })
  await headless.engine.runner.prompt(p2.id, say("ask"))
  await headless.engine.bus.once(TaskDelivered)
  await idleAfter(headless.engine, p2.id)
  expect(headless.engine.background.list(p2.id)[0]!.result).toContain("nobody can answer")
})

test("task_status waits for a result and collects it, so it is not delivered again", async () => {
  const child = gate()
  let step = 0
  const { engine, directory } = setup(
    byPrompt({
      wait: (request) => {
        step++
        if (step === 1) return { toolCalls: [background("CHILD waited")] }
        if (step === 2) {
          queueMicrotask(() => child.release())
          return { toolCalls: [{ name: "task_status", input: { wait: "all", timeout_ms: 10_000 } }] }
        }
        return { text: `status: ${lastToolResults(request)[0]!.output.includes("waited result")}` }
      },
      "CHILD waited": answersWhenReleased(child, "waited result"),
    }),
  )
  const parent = engine.store.createSession({ directory })
  const delivered = record(engine.bus, TaskDelivered)
  const reply = await engine.runner.prompt(parent.id, say("wait"))
  expect(reply.parts.find((p) => p.type === "text")).toMatchObject({ text: "status: true" })
  await engine.runner.settle()
  expect(engine.background.list(parent.id)[0]).toMatchObject({ state: "completed", delivery: "collected" })
  expect(delivered).toEqual([])
  expect(synthetic(engine, parent.id)).toEqual([])
})

test("a running foreground task can be moved to the background", async () => {
  const child = gate()
  const { engine, directory } = setup(
    byPrompt({
      fg: (request) => {
        const results = lastToolResults(request)
        if (!results.length)
          return {
            toolCalls: [
              { name: "task", input: { description: "fg job", prompt: "CHILD fg", subagent_type: "general" } },
            ],
          }
        if (results[0]!.output.includes("Background task started")) return { text: "moved on" }
        return { text: `result: ${results[0]!.output.includes("fg result")}` }
      },
      "CHILD fg": answersWhenReleased(child, "fg result"),
    }),
  )
  const parent = engine.store.createSession({ directory })
  const childCreated = engine.bus.once(SessionCreated, (e) => e.info.parentID === parent.id)
  const reply = engine.runner.prompt(parent.id, say("fg"))
  await childCreated
  expect(engine.moveToBackground(parent.id)).toBe(1)
  expect((await reply).parts.find((p) => p.type === "text")).toMatchObject({ text: "moved on" })
  const delivered = engine.bus.once(TaskDelivered)
  child.release()
  await delivered
  await idleAfter(engine, parent.id)
  expect(texts(engine, parent.id).at(-1)).toBe("result: true")
})

test("a wall-time budget stops a task that does not finish, keeping what it had", async () => {
  const never = gate()
  const { engine, directory } = setup(
    byPrompt({
      slow: dispatcher([background("CHILD stuck")], "dispatched", (request) => ({
        text: lastToolResults(request)[0]!.output,
      })),
      "CHILD stuck": answersWhenReleased(never, "too late"),
    }),
    { max_duration_ms: 50 },
  )
  const parent = engine.store.createSession({ directory })
  await engine.runner.prompt(parent.id, say("slow"))
  await engine.bus.once(TaskDelivered)
  expect(engine.background.list(parent.id)[0]).toMatchObject({
    state: "completed",
    reason: expect.stringContaining("time budget of 50 ms"),
  })
  never.release()
})

test("task_cancel: the parent's model cancels its own task; other sessions' tasks are refused", async () => {
  const never = gate()
  let step = 0
  const { engine, directory } = setup(
    byPrompt({
      stop: (request) => {
        step++
        if (step === 1) return { toolCalls: [background("CHILD doomed")] }
        if (step === 2) {
          const id = /<task id="(tsk_[^"]+)"/.exec(lastToolResults(request)[0]!.output)![1]!
          return {
            toolCalls: [
              { name: "task_cancel", input: { task_id: id } },
              { name: "task_cancel", input: { task_id: "tsk_other" } },
            ],
          }
        }
        const cancels = request.messages.flatMap((m) => m.toolResults ?? []).filter((r) => r.name === "task_cancel")
        return { text: cancels.map((r) => r.output.split("\n")[0]).join(" | ") }
      },
      "CHILD doomed": answersWhenReleased(never, "unreachable"),
    }),
    { resume_parent: false },
  )
  const parent = engine.store.createSession({ directory })
  const reply = await engine.runner.prompt(parent.id, say("stop"))
  const text = reply.parts.find((p) => p.type === "text")
  expect(text?.type === "text" && text.text).toMatch(
    /^Cancelled tsk_.* \| no background task tsk_other in this session$/,
  )
  expect(engine.background.list(parent.id)[0]).toMatchObject({
    state: "cancelled",
    reason: "cancelled by the parent agent",
    delivery: "delivered",
  })
  never.release()
})

const foreground = (prompt: string) => ({
  name: "task",
  input: { description: prompt, prompt, subagent_type: "general" },
})

test("a child's answer is the last text part of its final message, in the foreground and the background alike", async () => {
  const { engine, directory } = setup(
    byPrompt({
      fg: (request) =>
        lastToolResults(request).length ? { text: "read it" } : { toolCalls: [foreground("CHILD writes twice")] },
      bg: dispatcher([background("CHILD writes twice")], "dispatched", () => ({ text: "read it" })),
      "CHILD writes twice": () => ({ text: "Let me look first.", texts: ["The answer is 42."] }),
    }),
  )

  const fg = engine.store.createSession({ directory })
  await engine.runner.prompt(fg.id, say("fg"))
  const call = engine.store
    .messages(fg.id)
    .flatMap((m) => m.parts)
    .find((p): p is ToolPart => p.type === "tool" && p.tool === "task")!
  const child = call.state.status === "completed" ? String(call.state.metadata.sessionId) : ""
  const written = engine.store
    .messages(child)
    .flatMap((m) => m.parts)
    .flatMap((p) => (p.type === "text" ? [p.text] : []))
  expect(written).toEqual(["CHILD writes twice", "Let me look first.", "The answer is 42."])
  const output = call.state.status === "completed" ? call.state.output : ""
  const foregroundAnswer = /<task_result>\n([\s\S]*)\n<\/task_result>/.exec(output)?.[1]

  const bg = engine.store.createSession({ directory })
  const delivered = engine.bus.once(TaskDelivered, (e) => e.parentSessionID === bg.id)
  await engine.runner.prompt(bg.id, say("bg"))
  await delivered
  const backgroundAnswer = engine.background.list(bg.id)[0]!.result

  expect(foregroundAnswer).toBe("The answer is 42.")
  expect(backgroundAnswer).toBe(foregroundAnswer!)
})
