import { afterEach, expect, test } from "bun:test"
import { gate, lastToolResults } from "@tandem/testing/script"
import type { AssistantMessage, ToolPart } from "../../src/session/message"
import { resultPart } from "../../src/task/result-part"
import type { TaskInfo, TaskState } from "../../src/task/task-info"
import { TaskParameters } from "../../src/tool/task"
import { byPrompt, background, dispatcher, setup, say, synthetic, closeEngines } from "./harness"
import { sampleTask } from "./sample-task"

// How a background task appears in its parent's transcript: one id, a valid call, upstream's metadata, true states.

afterEach(closeEngines)

const longPrompt = `CHILD long ${"x".repeat(400)}`

test("the receipt's id is the child session's, and the delivered call is a valid task call with upstream's metadata", async () => {
  const { engine, directory } = setup(
    byPrompt({
      go: dispatcher([background(longPrompt, "Long job")], "dispatched"),
      "CHILD long": () => ({ text: "done" }),
    }),
  )
  const parent = engine.store.createSession({ directory })
  await engine.runner.prompt(parent.id, say("go"))
  await engine.background.settled(parent.id)
  const [task] = engine.background.list(parent.id)
  expect(task!.id).toBe(task!.sessionID)
  expect(engine.store.getSession(task!.id)?.parentID).toBe(parent.id)
  const dispatch = engine.store
    .messages(parent.id)
    .flatMap((m) => m.parts)
    .find((p): p is ToolPart => p.type === "tool" && !p.metadata?.synthetic)!
  expect(dispatch.state.status === "completed" && dispatch.state.output).toContain(
    `Background task started: ${task!.id} (`,
  )
  const upstream = {
    parentSessionId: parent.id,
    sessionId: task!.id,
    model: { providerID: "scripted", modelID: "test" },
    background: true,
  }
  expect(dispatch.state.status === "completed" && dispatch.state.metadata).toMatchObject(upstream)
  const [part] = synthetic(engine, parent.id)
  expect(part!.state.status).toBe("completed")
  const parsed = TaskParameters.safeParse(part!.state.input)
  expect(parsed.success).toBe(true)
  expect(parsed.data).toMatchObject({ description: "Long job", subagent_type: "general", task_id: task!.id })
  expect(longPrompt.startsWith(String(parsed.data!.prompt).slice(0, -1))).toBe(true)
  expect(part!.state.status === "completed" && part!.state.metadata).toMatchObject({ ...upstream, synthetic: true })
})

test("the receipt's id continues the child with task_id, and task_status finds it", async () => {
  let id = ""
  let step = 0
  // The child ends only once task_status is asked for it, so task_status collects it (a child that
  // ended sooner would be delivered at the next step boundary instead).
  const asked = gate()
  const { engine, directory } = setup(
    byPrompt({
      go: (request) => {
        step++
        if (step === 1) return { toolCalls: [background("CHILD first", "First")] }
        if (step === 2) {
          id = /Background task started: (\S+) /.exec(lastToolResults(request)[0]!.output)![1]!
          asked.release()
          return { toolCalls: [{ name: "task_status", input: { task_id: id, wait: "all", timeout_ms: 10_000 } }] }
        }
        if (step === 3)
          return {
            toolCalls: [
              {
                name: "task",
                input: { description: "Again", prompt: "CHILD again", subagent_type: "general", task_id: id },
              },
            ],
          }
        return { text: lastToolResults(request)[0]!.output }
      },
      "CHILD first": async () => {
        await asked.promise
        return { text: "first answer" }
      },
      "CHILD again": () => ({ text: "second answer" }),
    }),
  )
  const parent = engine.store.createSession({ directory })
  const reply = await engine.runner.prompt(parent.id, say("go"))
  const text = reply.parts.find((p) => p.type === "text")
  expect(text?.type === "text" && text.text).toContain("second answer")
  const children = engine.store.children(parent.id)
  expect(children.map((c) => c.id)).toEqual([id])
  expect(engine.background.list(parent.id)[0]).toMatchObject({ id, state: "completed", delivery: "collected" })
})

const finished = (state: TaskState, extra: Partial<TaskInfo> = {}) =>
  sampleTask({ state, delivery: "delivered", result: "partial words", ...extra })

test("a cancelled, failed or interrupted task is an error part with its reason, never a success", () => {
  const message = { id: "msg_b", sessionID: "ses_parent" } as AssistantMessage
  expect(resultPart(finished("completed"), message, 1000, "idle").state.status).toBe("completed")
  const cases: [TaskState, Partial<TaskInfo>, string][] = [
    ["cancelled", { reason: "cancelled by the user" }, "Task cancelled: cancelled by the user"],
    ["error", { error: "provider said no" }, "Task error: provider said no"],
    ["interrupted", { reason: "the process stopped" }, "Task interrupted: the process stopped"],
  ]
  for (const [state, extra, head] of cases) {
    const part = resultPart(finished(state, extra), message, 1000, "idle")
    expect(part.state.status).toBe("error")
    expect(part.state.status === "error" && part.state.error).toStartWith(head)
    expect(part.state.status === "error" && part.state.error).toContain("partial words")
    expect(TaskParameters.safeParse(part.state.input).success).toBe(true)
  }
})

test("a task of an older database keeps its tsk_ id: found by it and by its session, and task_id continues its child", async () => {
  let step = 0
  const { engine, directory } = setup(
    byPrompt({
      go: (request) => {
        step++
        if (step === 1) return { toolCalls: [{ name: "task_status", input: { task_id: "tsk_legacy" } }] }
        if (step === 2)
          return {
            toolCalls: [
              {
                name: "task",
                input: { description: "Again", prompt: "CHILD again", subagent_type: "general", task_id: "tsk_legacy" },
              },
            ],
          }
        return { text: lastToolResults(request)[0]!.output }
      },
      "CHILD again": () => ({ text: "legacy child answered" }),
    }),
  )
  const parent = engine.store.createSession({ directory })
  const child = engine.store.createSession({ directory, parentID: parent.id })
  const row = { ...finished("completed"), id: "tsk_legacy", parentSessionID: parent.id, sessionID: child.id }
  engine.store.db
    .query("insert into task (id, parent_session_id, session_id, state, delivery, data) values (?, ?, ?, ?, ?, ?)")
    .run(row.id, row.parentSessionID, row.sessionID, row.state, row.delivery, JSON.stringify(row))
  expect(engine.background.get("tsk_legacy")?.sessionID).toBe(child.id)
  expect(engine.background.get(child.id)?.id).toBe("tsk_legacy")
  const reply = await engine.runner.prompt(parent.id, say("go"))
  const text = reply.parts.find((p) => p.type === "text")
  expect(text?.type === "text" && text.text).toContain("legacy child answered")
  expect(engine.store.children(parent.id).map((c) => c.id)).toEqual([child.id])
})
