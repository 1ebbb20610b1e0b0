import { afterEach, expect, test } from "bun:test"
import { lastToolResults } from "@tandem/testing/script"
import { PermissionAsked } from "../../src/permission/permission"
import { TaskDelivered } from "../../src/task/events"
import { byPrompt, background, dispatcher, setup, say, closeEngines } from "./harness"

// Permission asks of background children.

afterEach(closeEngines)

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
  // Delivered at a step boundary or to the idle parent, whichever comes first; then answered.
  await headless.engine.background.settled(p2.id)
  expect(headless.engine.background.list(p2.id)[0]!.result).toContain("nobody can answer")
})
