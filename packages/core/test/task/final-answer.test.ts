import { afterEach, expect, test } from "bun:test"
import { lastToolResults } from "@tandem/testing/script"
import type { ToolPart } from "../../src/session/message"
import { TaskDelivered } from "../../src/task/events"
import { background, byPrompt, closeEngines, dispatcher, say, setup } from "./harness"

// What a sub-agent answers its caller, whichever way it was called.

afterEach(closeEngines)

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
