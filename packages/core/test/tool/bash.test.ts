import { expect, test } from "bun:test"
import { BashTool, MAX_OUTPUT } from "../../src/tool/bash"
import { failed, ok, toolContext } from "./context"

test("bash: output, exit codes, working directory", async () => {
  const { ctx, directory, asks } = toolContext()
  const hello = ok(await BashTool.execute({ command: "echo hello; echo oops >&2", description: "greet" }, ctx))
  expect(hello.output).toContain("hello")
  expect(hello.output).toContain("oops")
  expect(hello.metadata.exit).toBe(0)
  expect(asks[0]).toMatchObject({ permission: "bash", patterns: ["echo hello", "echo oops"] })
  const failing = ok(await BashTool.execute({ command: "exit 3" }, ctx))
  expect(failing.output).toContain("Exit code: 3")
  expect(ok(await BashTool.execute({ command: "pwd" }, ctx)).output.trim()).toEndWith(directory.split("/").at(-1)!)
})

test("bash: a timeout kills the process group and says so", async () => {
  const { ctx } = toolContext()
  const outcome = failed(await BashTool.execute({ command: "sleep 30 & sleep 30; echo never", timeout: 200 }, ctx))
  expect(outcome.error).toContain("timed out after 200 ms")
  expect(outcome.error).not.toContain("never")
})

test("bash: abort kills the command", async () => {
  const { ctx, abort } = toolContext()
  const running = BashTool.execute({ command: "echo started; sleep 30" }, ctx)
  setTimeout(() => abort.abort(), 50)
  expect(failed(await running).error).toContain("aborted")
})

test("bash: long output keeps its start and end, and says what was cut", async () => {
  const { ctx } = toolContext()
  const outcome = ok(
    await BashTool.execute({ command: `head -c ${MAX_OUTPUT * 2} /dev/zero | tr '\\0' 'a'; echo END` }, ctx),
  )
  expect(outcome.output.length).toBeLessThan(MAX_OUTPUT + 200)
  expect(outcome.output).toContain("characters cut")
  expect(outcome.output).toContain("END")
})

test("bash: a refused command does not run", async () => {
  const { ctx } = toolContext(() => ({ granted: false, reason: "denied by the configuration" }))
  expect(failed(await BashTool.execute({ command: "touch should-not-exist" }, ctx)).error).toContain("denied")
})
