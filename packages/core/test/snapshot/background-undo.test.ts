import { afterEach, expect, test } from "bun:test"
import { existsSync, readFileSync } from "node:fs"
import path from "node:path"
import { gate, lastToolResults, type ScriptRequest } from "@tandem/testing/script"
import { PartUpdated } from "../../src/session/events"
import { TaskDelivered } from "../../src/task/events"
import { background, byPrompt, closeEngines, dispatcher, say, setup, synthetic, texts } from "../task/harness"

afterEach(closeEngines)

/** A child that reads then writes `file`, then answers `text` once `held` opens (or its call is aborted). */
const writingChild =
  (file: string, held: ReturnType<typeof gate>, text = "child done") =>
  async (request: ScriptRequest) => {
    const done = lastToolResults(request)[0]?.name
    if (!done) return { toolCalls: [{ name: "read", input: { filePath: file } }] }
    if (done === "read") return { toolCalls: [{ name: "write", input: { filePath: file, content: "by the child" } }] }
    await Promise.race([held.promise, new Promise((resolve) => request.signal?.addEventListener("abort", resolve))])
    return { text }
  }

const patched = (engine: ReturnType<typeof setup>["engine"], file: string) =>
  engine.bus.once(PartUpdated, ({ part }) => part.type === "patch" && part.files.some((f) => f.endsWith(file)))

test("reverting past a dispatch cancels the running task, withdraws its result and undoes its files", async () => {
  const held = gate()
  const { engine, directory } = setup(
    byPrompt({ go: dispatcher([background("CHILD", "writer")], "dispatched"), CHILD: writingChild("child.txt", held) }),
  )
  const session = engine.store.createSession({ directory })
  const wrote = patched(engine, "child.txt")
  await engine.runner.prompt(session.id, say("go"))
  await wrote
  expect(readFileSync(path.join(directory, "child.txt"), "utf8")).toBe("by the child")
  const [task] = engine.background.list(session.id)
  expect(task!.state).toBe("running")

  const user = engine.store.messages(session.id)[0]!
  const reverted = await engine.history.revert(session.id, { messageID: user.info.id })
  expect(reverted).toMatchObject({ revert: { messageID: user.info.id } })
  expect(engine.background.get(task!.id)).toMatchObject({ state: "cancelled", delivery: "collected" })
  expect(existsSync(path.join(directory, "child.txt"))).toBe(false)

  // Nothing reaches the parent: its next prompt starts from the empty transcript.
  await engine.runner.prompt(session.id, say("hello"))
  expect(synthetic(engine, session.id)).toEqual([])
  expect(engine.store.messages(session.id).map((m) => m.info.role)).toEqual(["user", "assistant"])
})

test("a task dispatched before the point goes on; a result delivered after the point is hidden, then removed", async () => {
  const held = gate()
  const { engine, directory } = setup(
    byPrompt({
      start: dispatcher([background("CHILD", "kept")], "dispatched"),
      CHILD: writingChild("kept.txt", held, "kept result"),
      other: () => ({ text: "other answered" }),
    }),
  )
  const session = engine.store.createSession({ directory })
  await engine.runner.prompt(session.id, say("start"))
  await engine.runner.prompt(session.id, say("other"))
  const point = engine.store.messages(session.id).filter((m) => m.info.role === "user")[1]!
  const delivered = engine.bus.once(TaskDelivered, (event) => event.parentSessionID === session.id)
  held.release()
  await delivered
  await engine.background.settled(session.id)
  expect(synthetic(engine, session.id)).toHaveLength(1)

  await engine.history.revert(session.id, { messageID: point.info.id })
  const [task] = engine.background.list(session.id)
  expect(task).toMatchObject({ state: "completed", delivery: "delivered" })
  // Hidden, not yet gone: unrevert would bring it back. The next prompt removes it for good.
  expect(synthetic(engine, session.id)).toHaveLength(1)
  await engine.runner.prompt(session.id, say("hello"))
  expect(synthetic(engine, session.id)).toEqual([])
  expect(texts(engine, session.id)).toEqual(["start", "dispatched", "hello", "ok"])
})

test("a result that ends while its parent is reverted waits, and is delivered after unrevert", async () => {
  const held = gate()
  const { engine, directory } = setup(
    byPrompt({
      start: dispatcher([background("CHILD", "late")], "dispatched"),
      CHILD: writingChild("late.txt", held, "late result"),
      other: () => ({ text: "other answered" }),
    }),
  )
  const session = engine.store.createSession({ directory })
  const wrote = patched(engine, "late.txt")
  await engine.runner.prompt(session.id, say("start"))
  await wrote
  await engine.runner.prompt(session.id, say("other"))
  const point = engine.store.messages(session.id).filter((m) => m.info.role === "user")[1]!
  await engine.history.revert(session.id, { messageID: point.info.id })
  const [task] = engine.background.list(session.id)
  expect(task!.state).toBe("running")

  const ended = engine.bus.once(
    PartUpdated,
    ({ part }) => part.sessionID === task!.sessionID && part.type === "step-finish",
  )
  held.release()
  await ended
  await engine.background.wait([task!.id], "all", 10_000)
  expect(engine.background.get(task!.id)).toMatchObject({ state: "completed", delivery: "pending" })
  expect(synthetic(engine, session.id)).toEqual([])

  const delivered = engine.bus.once(TaskDelivered, (event) => event.taskID === task!.id)
  await engine.history.unrevert(session.id)
  await delivered
  expect(synthetic(engine, session.id)).toHaveLength(1)
})

test("a task still queued behind a cap is cancelled too, and neither result is ever delivered", async () => {
  const held = gate()
  const { engine, directory } = setup(
    byPrompt({
      two: dispatcher([background("CHILD first"), background("CHILD second")], "dispatched two"),
      "CHILD first": writingChild("first.txt", held),
      "CHILD second": writingChild("second.txt", held),
    }),
    { max_running: 1 },
  )
  const session = engine.store.createSession({ directory })
  const wrote = patched(engine, "first.txt")
  await engine.runner.prompt(session.id, say("two"))
  await wrote
  expect(engine.background.list(session.id).map((task) => task.state)).toEqual(["running", "queued"])

  await engine.history.revert(session.id, { messageID: engine.store.messages(session.id)[0]!.info.id })
  expect(engine.background.list(session.id).map(({ state, delivery }) => ({ state, delivery }))).toEqual([
    { state: "cancelled", delivery: "collected" },
    { state: "cancelled", delivery: "collected" },
  ])
  expect(existsSync(path.join(directory, "first.txt"))).toBe(false)
  expect(existsSync(path.join(directory, "second.txt"))).toBe(false)
  await engine.history.unrevert(session.id)
  await engine.background.settled(session.id)
  expect(synthetic(engine, session.id)).toEqual([])
  // Unrevert brings the files back as they were at the revert; the cancelled tasks stay cancelled.
  expect(readFileSync(path.join(directory, "first.txt"), "utf8")).toBe("by the child")
})
