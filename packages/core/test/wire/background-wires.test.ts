import { afterAll, afterEach, describe, expect, test } from "bun:test"
import path from "node:path"
import { record, tempProject } from "@tandem/testing/fixture"
import { gate, lastToolResults, lastUser, type ScriptRequest } from "@tandem/testing/script"
import { TaskDelivered, TaskUpdated } from "../../src/task/events"
import type { AssistantMessage } from "../../src/session/message"
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
import { WIRES, wire, type Wire } from "./wires"

// Background work on every wire format with thinking on where it exists: no request may break a rule.

type Block = { type: string; cache_control?: unknown }
type AnthropicBody = {
  thinking?: { type: string; budget_tokens?: number }
  max_tokens: number
  system?: Block[]
  tools?: Block[]
  messages: { role: string; content: Block[] }[]
}

/** What each wire must carry on every request: the model's options, its output limit, cache marks. */
function checkSettings(w: Wire) {
  for (const { body } of w.exchanges()) {
    if (w.name.startsWith("anthropic")) {
      const sent = body as AnthropicBody
      const thinks = w.name === "anthropic"
      expect(sent.thinking).toEqual(thinks ? { type: "enabled", budget_tokens: 2048 } : undefined)
      expect(sent.max_tokens).toBe(thinks ? 8192 + 2048 : 8192)
      const marks = [...(sent.tools ?? []), ...(sent.system ?? []), ...sent.messages.flatMap((m) => m.content)].filter(
        (block) => block.cache_control,
      )
      expect(marks.length).toBeGreaterThanOrEqual(3)
      expect(marks.length).toBeLessThanOrEqual(4)
    }
    if (w.name.startsWith("responses"))
      expect(body).toMatchObject({ reasoning: { effort: "low" }, max_output_tokens: 8192 })
    if (w.name === "responses-stateless") expect(body).toMatchObject({ store: false })
  }
}

for (const name of WIRES) {
  describe(`${name} wire`, () => {
    const w = wire(name)
    afterEach(() => w.closeAll())
    afterAll(() => w.server.stop())

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

    test("cancel: a cancelled child's result is delivered and the parent answers it", async () => {
      const never = gate()
      const running = gate()
      w.answer(
        byPrompt({
          go: dispatcher([background("CHILD stuck")], "dispatched", (request) => ({
            text: lastToolResults(request).at(-1)!.output.includes('state="cancelled"') ? "it was cancelled" : "other",
          })),
          "CHILD stuck": async () => {
            running.release()
            await never.promise
            return { text: "unreachable" }
          },
        }),
      )
      const { engine, directory } = w.engine()
      const parent = engine.store.createSession({ directory })
      await engine.runner.prompt(parent.id, say("go"))
      await running.promise
      const [task] = engine.background.list(parent.id)
      const idle = engine.bus.once(TaskDelivered).then(() => idleAfter(engine, parent.id))
      engine.background.cancel(task!.id, "not needed")
      await idle
      expect(texts(engine, parent.id).at(-1)).toBe("it was cancelled")
      expect(w.rejected()).toEqual([])
      never.release()
    })

    test("restart: a child cut off by the process stopping is resumed and its result delivered", async () => {
      const dbFile = path.join(tempProject("tandem-wire-"), "wire.db")
      const directory = tempProject()
      const entered = gate()
      const never = gate()
      w.answer(
        byPrompt({
          go: dispatcher([background("CHILD long")], "dispatched", () => ({ text: "got it after the restart" })),
          "CHILD long": async () => {
            entered.release()
            await never.promise
            return { text: "unreachable" }
          },
        }),
      )
      const first = w.engine({ dbFile, directory })
      const parent = first.engine.store.createSession({ directory })
      await first.engine.runner.prompt(parent.id, say("go"))
      await entered.promise
      await w.close(first.engine)
      never.release()

      w.answer(
        byPrompt({
          go: () => ({ text: "got it after the restart" }),
          "CHILD long": () => ({ text: "finished after the restart" }),
        }),
      )
      const second = w.engine({ dbFile, directory })
      const delivered = second.engine.bus.once(TaskDelivered)
      await delivered
      await idleAfter(second.engine, parent.id)
      expect(second.engine.background.list(parent.id)[0]).toMatchObject({
        state: "completed",
        delivery: "delivered",
        result: "finished after the restart",
      })
      expect(texts(second.engine, parent.id).at(-1)).toBe("got it after the restart")
      expect(synthetic(second.engine, parent.id)).toHaveLength(1)
      expect(w.rejected()).toEqual([])
    })

    test("a provider's 400 on the turn that reads a result is not retried; the result stays, once", async () => {
      const child = gate()
      let refused = 0
      w.answer(
        byPrompt({
          go: (request) => {
            const results = lastToolResults(request)
            if (!results.length) return { toolCalls: [background("CHILD x")] }
            if (results.every((r) => r.output.includes("Background task started"))) return { text: "dispatched" }
            refused++
            return { fault: { status: 400, body: JSON.stringify(errorBody(name)) } }
          },
          again: (request) => ({
            text: `results seen: ${request.messages.filter((m) => JSON.stringify(m).includes("x result")).length}`,
          }),
          "CHILD x": answersWhenReleased(child, "x result"),
        }),
      )
      const { engine, directory } = w.engine()
      const parent = engine.store.createSession({ directory })
      await engine.runner.prompt(parent.id, say("go"))
      const delivered = engine.bus.once(TaskDelivered)
      child.release()
      await delivered
      await idleAfter(engine, parent.id)
      expect(refused).toBe(1)
      const failed = engine.store
        .messages(parent.id)
        .map((m) => m.info)
        .findLast((info) => info.role === "assistant") as AssistantMessage
      expect(failed.error).toMatchObject({ name: "APIError", data: { message: "tool_use ids must be unique" } })
      const reply = await engine.runner.prompt(parent.id, say("again"))
      expect(reply.parts.find((p) => p.type === "text")).toMatchObject({ text: "results seen: 1" })
      expect(synthetic(engine, parent.id)).toHaveLength(1)
    })
  })
}

/** A 400 in the wire's own error shape. */
function errorBody(name: string) {
  if (name.startsWith("anthropic"))
    return { type: "error", error: { type: "invalid_request_error", message: "tool_use ids must be unique" } }
  return { error: { message: "tool_use ids must be unique", type: "invalid_request_error", param: null, code: null } }
}
