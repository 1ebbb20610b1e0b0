import { expect, test } from "bun:test"
import { record } from "@tandem/testing/fixture"
import { gate, lastToolResults, lastUser, type ScriptRequest } from "@tandem/testing/script"
import { TaskDelivered, TaskUpdated } from "../../src/task/events"
import {
  answersWhenReleased,
  background,
  byPrompt,
  dispatcher,
  idleAfter,
  resultsIn,
  say,
  synthetic,
  texts,
} from "../task/harness"
import { checkSettings, type AnthropicBody } from "./wire-checks"
import { eachWire } from "./wires"

// Background work on every wire format with thinking on where it exists: no request may break a rule.

eachWire((w, name) => {
  test("fan-out: three children's results, ending together, reach the idle parent in one turn", async () => {
    const release = gate()
    w.answer(
      byPrompt({
        fan: dispatcher(
          [background("CHILD a"), background("CHILD b"), background("CHILD c")],
          "dispatched three",
          (request) => ({ text: `results: ${resultsIn(request)}` }),
        ),
        CHILD: async (request) => {
          await release.promise
          return { text: `done ${lastUser(request)}` }
        },
      }),
    )
    const { engine, directory } = w.engine({ background: { coalesce_ms: 300 } })
    const parent = engine.store.createSession({ directory })
    await engine.runner.prompt(parent.id, say("fan"))
    const delivered = record(engine.bus, TaskDelivered)
    const all = engine.bus.once(TaskDelivered, () => delivered.length === 3)
    release.release()
    await all
    await idleAfter(engine, parent.id)
    expect(new Set(delivered.map((d) => d.messageID)).size).toBe(1)
    expect(texts(engine, parent.id).at(-1)).toBe("results: 3")
    expect(synthetic(engine, parent.id)).toHaveLength(3)
    expect(w.rejected()).toEqual([])
    checkSettings(w)
    const lastInput = JSON.stringify((w.exchanges().at(-1)!.body as { input?: unknown } | undefined)?.input ?? [])
    // The parent's reasoning items go back: by reference with `store` on, by their encrypted content without.
    if (name === "responses") expect(lastInput).toMatch(/"type":"item_reference","id":"rs_/)
    if (name === "responses-stateless")
      expect(lastInput).toMatch(/"type":"reasoning","id":"rs_\w+","encrypted_content":"/)
    if (name !== "chat") {
      // The parent's thinking went back with the turn that carries the results.
      const last = w.calls.filter((c) => lastUser(c) === "fan").at(-1)!
      expect(last.messages.filter((m) => m.role === "assistant").every((m) => m.reasoning !== undefined)).toBe(
        name === "anthropic",
      )
    }
  })

  test("busy parent: a result drained at a step boundary joins that step's tool results", async () => {
    const child = gate()
    const step2 = gate()
    const inStep2 = gate()
    let step = 0
    w.answer(
      byPrompt({
        work: async (request) => {
          step++
          // Anthropic also thinks in a redacted block here, which must go back untouched.
          if (step === 1) return { redactedThinking: true, toolCalls: [background("CHILD quick")] }
          if (step === 2) {
            inStep2.release()
            await step2.promise
            return { toolCalls: [{ name: "glob", input: { pattern: "*.none" } }] }
          }
          const names = request.messages.flatMap((m) => m.toolResults?.map((r) => r.name) ?? [])
          return { text: `order: ${names.join(",")}` }
        },
        "CHILD quick": answersWhenReleased(child, "quick result"),
      }),
    )
    const { engine, directory } = w.engine()
    const parent = engine.store.createSession({ directory })
    const reply = engine.runner.prompt(parent.id, say("work"))
    const done = engine.bus.once(TaskUpdated, (e) => e.task.state === "completed")
    // The child ends while the parent's second model call is in flight, so its result waits for that step's end.
    await inStep2.promise
    child.release()
    await done
    const delivered = record(engine.bus, TaskDelivered)
    step2.release()
    const final = await reply
    expect(final.parts.find((p) => p.type === "text")).toMatchObject({ text: "order: task,glob,task_status" })
    expect(delivered).toEqual([expect.objectContaining({ via: "step" })])
    expect(w.rejected()).toEqual([])
    checkSettings(w)
    if (name === "anthropic") {
      const last = w.exchanges().at(-1)!.body as AnthropicBody
      expect(last.messages.map((m) => [m.role, m.content.map((b) => b.type)])).toEqual([
        ["user", ["text"]],
        ["assistant", ["redacted_thinking", "tool_use"]],
        ["user", ["tool_result"]],
        ["assistant", ["thinking", "tool_use", "tool_use"]],
        ["user", ["tool_result", "tool_result"]],
      ])
    }
  })

  test("a result drained right after a user message reaches the model on the user's side", async () => {
    const first = gate()
    const never = gate()
    // Anthropic joins the result and the question into one user message: the question is what it ends with.
    const question = (request: ScriptRequest) =>
      lastUser(request).endsWith("question")
        ? { text: `seen: ${request.messages.some((m) => m.role === "user" && m.text.includes("first result"))}` }
        : undefined
    w.answer(
      (request) =>
        question(request) ??
        byPrompt({
          fan: dispatcher([background("CHILD first"), background("CHILD never")], "dispatched"),
          "CHILD first": answersWhenReleased(first, "first result"),
          "CHILD never": answersWhenReleased(never, "unreachable"),
        })(request),
    )
    // A window longer than the test: the first result waits in it until the user speaks.
    const { engine, directory } = w.engine({ background: { coalesce_ms: 600_000, coalesce_max_ms: 600_000 } })
    const parent = engine.store.createSession({ directory })
    await engine.runner.prompt(parent.id, say("fan"))
    const ended = engine.bus.once(
      TaskUpdated,
      (e) => e.task.description === "CHILD first" && e.task.state === "completed",
    )
    first.release()
    await ended
    const delivered = engine.bus.once(TaskDelivered)
    const reply = await engine.runner.prompt(parent.id, say("question"))
    expect(await delivered).toMatchObject({ via: "step" })
    expect(reply.parts.find((p) => p.type === "text")).toMatchObject({ text: "seen: true" })
    expect(w.rejected()).toEqual([])
    never.release()
  })

  test("task_status collects a result, which is then not delivered again", async () => {
    const child = gate()
    let step = 0
    w.answer(
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
    const { engine, directory } = w.engine()
    const parent = engine.store.createSession({ directory })
    const delivered = record(engine.bus, TaskDelivered)
    const reply = await engine.runner.prompt(parent.id, say("wait"))
    expect(reply.parts.find((p) => p.type === "text")).toMatchObject({ text: "status: true" })
    await engine.runner.settle()
    expect(engine.background.list(parent.id)[0]).toMatchObject({ state: "completed", delivery: "collected" })
    expect(delivered).toEqual([])
    expect(w.rejected()).toEqual([])
  })
})
