import { afterEach, expect, test } from "bun:test"
import { readFileSync, writeFileSync } from "node:fs"
import path from "node:path"
import { testEngine } from "@tandem/testing/fixture"
import { lastToolResults, lastUser, type ScriptRequest, type Turn } from "@tandem/testing/script"
import { SessionIdle } from "../../src/session/events"
import type { Engine } from "../../src/engine"
import { EditTool } from "../../src/tool/edit"
import { ReadTool } from "../../src/tool/read"
import { WriteTool } from "../../src/tool/write"
import { failed, ok, toolContext } from "./context"

const engines: Engine[] = []
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close()
})

test("writing over a file the session never read, or that changed since it read it, is refused", async () => {
  const { ctx, directory } = toolContext()
  const file = path.join(directory, "shared.txt")
  writeFileSync(file, "one\n")
  const unread = failed(await WriteTool.execute({ filePath: "shared.txt", content: "mine\n" }, ctx))
  expect(unread.error).toBe("shared.txt exists and you have not read it; read it before writing to it")
  ok(await ReadTool.execute({ filePath: "shared.txt" }, ctx))
  writeFileSync(file, "one\nchanged by another\n")
  for (const attempt of [
    WriteTool.execute({ filePath: "shared.txt", content: "mine\n" }, ctx),
    EditTool.execute({ filePath: "shared.txt", oldString: "one", newString: "uno" }, ctx),
  ])
    expect(failed(await attempt).error).toBe("shared.txt changed since you last read it; read it again before writing")
  expect(readFileSync(file, "utf8")).toBe("one\nchanged by another\n")
  ok(await ReadTool.execute({ filePath: "shared.txt" }, ctx))
  ok(await EditTool.execute({ filePath: "shared.txt", oldString: "one", newString: "uno" }, ctx))
  ok(await EditTool.execute({ filePath: "shared.txt", oldString: "uno", newString: "eins" }, ctx))
  ok(await WriteTool.execute({ filePath: "new.txt", content: "a new file needs no read\n" }, ctx))
})

test("one session's write makes another's view stale; each sees its own writes", async () => {
  const first = toolContext()
  const second = { ...first.ctx, sessionID: "ses_other" }
  writeFileSync(path.join(first.directory, "f.txt"), "base\n")
  ok(await ReadTool.execute({ filePath: "f.txt" }, first.ctx))
  ok(await ReadTool.execute({ filePath: "f.txt" }, second))
  ok(await WriteTool.execute({ filePath: "f.txt", content: "base\nfirst\n" }, first.ctx))
  expect(failed(await WriteTool.execute({ filePath: "f.txt", content: "base\nsecond\n" }, second)).error).toContain(
    "changed since you last read it",
  )
  ok(await WriteTool.execute({ filePath: "f.txt", content: "base\nfirst\nagain\n" }, first.ctx))
})

/** The file's content as the read tool showed it: numbered lines, less the closing note. */
function contentOf(readOutput: string) {
  const lines = readOutput.split("\n").filter((line) => /^\d+: /.test(line))
  return lines.map((line) => line.replace(/^\d+: /, "") + "\n").join("")
}

test("five background children read, wait and write back one file: no line is lost", async () => {
  const children = 5
  const { promise: allRead, resolve: everyoneRead } = Promise.withResolvers<void>()
  let reads = 0
  let refusals = 0
  const child = (request: ScriptRequest): Turn => {
    const me = lastUser(request).split(" ")[1]!
    const writes = request.messages.flatMap((m) => m.toolCalls ?? []).filter((call) => call.name === "write")
    const result = lastToolResults(request)[0]
    if (!result || result.output.includes("changed since you last read it")) {
      if (result) refusals++
      return { toolCalls: [{ name: "read", input: { filePath: "shared.txt" } }] }
    }
    if (result.name === "read") {
      const content = contentOf(result.output)
      const write = { toolCalls: [{ name: "write", input: { filePath: "shared.txt", content: `${content}${me}\n` } }] }
      if (writes.length) return write
      if (++reads === children) everyoneRead()
      return allRead.then(() => write) as unknown as Turn
    }
    return { text: `${me} done` }
  }
  const harness = testEngine({
    responder: (request) => {
      const said = lastUser(request)
      if (said.startsWith("CHILD")) return child(request)
      if (lastToolResults(request).length) return { text: "dispatched" }
      return {
        toolCalls: Array.from({ length: children }, (_, i) => ({
          name: "task",
          input: { description: `writer ${i}`, prompt: `CHILD ${i}`, subagent_type: "general", background: true },
        })),
      }
    },
    config: { tandem: { background: { coalesce_ms: 0 } } },
  })
  engines.push(harness.engine)
  const { engine, directory } = harness
  writeFileSync(path.join(directory, "shared.txt"), "start\n")
  const session = engine.store.createSession({ directory })
  await engine.runner.prompt(session.id, { parts: [{ type: "text", text: "fan out" }] })
  while (engine.background.list(session.id).some((task) => task.delivery !== "delivered"))
    await engine.bus.once(SessionIdle, (e) => e.sessionID === session.id)
  const lines = readFileSync(path.join(directory, "shared.txt"), "utf8").trim().split("\n")
  expect(lines[0]).toBe("start")
  expect(lines.slice(1).sort()).toEqual(["0", "1", "2", "3", "4"])
  expect(refusals).toBeGreaterThanOrEqual(children - 1)
})
