import { afterAll, expect, test } from "bun:test"
import path from "node:path"
import { startScriptedServer } from "@tandem/testing/scripted-server"
import { scriptedProject } from "@tandem/testing/fixture"
import { tandem } from "./tandem-process"

// The model answers with every user message it was sent, so an answer shows which conversation
// a message went into.
const model = startScriptedServer({
  responder: (request) => ({
    text: `seen: ${request.messages
      .filter((m) => m.role === "user")
      .map((m) => m.text)
      .join(" | ")}`,
  }),
})
afterAll(() => model.stop())

const sessionOf = (stderr: string) => /session (ses_\w+)/.exec(stderr)?.[1]

test("run --continue and --session add the message to an earlier session of the project", async () => {
  const directory = scriptedProject(model.url, { tandem: { title: false } })
  const env = { ...process.env, XDG_DATA_HOME: path.join(directory, ".data") }
  const first = await tandem(["run", "first"], { cwd: directory, env })
  expect(first).toMatchObject({ code: 0, stdout: expect.stringContaining("seen: first") })
  const id = sessionOf(first.stderr)!
  expect(id).toBeDefined()

  const continued = await tandem(["run", "--continue", "second"], { cwd: directory, env })
  expect(continued.code).toBe(0)
  expect(continued.stdout).toContain("seen: first | second")
  expect(sessionOf(continued.stderr)).toBe(id)

  // A newer session is what -c picks from then on; -s still reaches the older one.
  const other = await tandem(["run", "other"], { cwd: directory, env })
  expect(other.stdout).toContain("seen: other")
  const otherID = sessionOf(other.stderr)!
  expect(otherID).not.toBe(id)
  const named = await tandem(["run", "-s", id, "third"], { cwd: directory, env })
  expect(named.stdout).toContain("seen: first | second | third")
  expect(sessionOf(named.stderr)).toBe(id)
  const latest = await tandem(["run", "-c", "fourth"], { cwd: directory, env })
  // The most recently used one is the one just continued with -s.
  expect(latest.stdout).toContain("seen: first | second | third | fourth")
}, 60_000)

test("run --session refuses a session that does not exist or belongs to another directory", async () => {
  const directory = scriptedProject(model.url, { tandem: { title: false } })
  const elsewhere = scriptedProject(model.url, { tandem: { title: false } })
  const env = { ...process.env, XDG_DATA_HOME: path.join(directory, ".data") }
  const first = await tandem(["run", "hello"], { cwd: directory, env })
  const id = sessionOf(first.stderr)!

  expect(await tandem(["run", "--session", "ses_nope", "hi"], { cwd: directory, env })).toMatchObject({
    code: 1,
    stderr: "tandem run: session ses_nope does not exist\n",
  })
  const foreign = await tandem(["run", "--session", id, "hi"], { cwd: elsewhere, env })
  expect(foreign.code).toBe(1)
  expect(foreign.stderr).toContain(`session ${id} belongs to ${directory}`)
  expect(await tandem(["run", "--continue", "hi"], { cwd: elsewhere, env })).toMatchObject({
    code: 1,
    stderr: expect.stringContaining("no earlier session"),
  })
  expect(await tandem(["run", "-c", "-s", id, "hi"], { cwd: directory, env })).toMatchObject({
    code: 2,
    stderr: expect.stringContaining("cannot be used together"),
  })
}, 60_000)
