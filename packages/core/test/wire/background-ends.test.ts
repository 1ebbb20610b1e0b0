import { expect, test } from "bun:test"
import path from "node:path"
import { tempProject } from "@tandem/testing/fixture"
import { gate, lastToolResults } from "@tandem/testing/script"
import { TaskDelivered } from "../../src/task/events"
import type { AssistantMessage } from "../../src/session/message"
import {
  answersWhenReleased,
  background,
  byPrompt,
  dispatcher,
  idleAfter,
  say,
  synthetic,
  texts,
} from "../task/harness"
import { eachWire } from "./wires"

// How background work ends on every wire format: cancelled, cut off by a restart, or met by a
// provider's refusal. The runs that go well are in background-wires.test.ts.

eachWire((w, name) => {
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

/** A 400 in the wire's own error shape. */
function errorBody(name: string) {
  if (name.startsWith("anthropic"))
    return { type: "error", error: { type: "invalid_request_error", message: "tool_use ids must be unique" } }
  return { error: { message: "tool_use ids must be unique", type: "invalid_request_error", param: null, code: null } }
}
