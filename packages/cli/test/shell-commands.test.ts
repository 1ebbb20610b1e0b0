import { afterAll, beforeAll, expect, test } from "bun:test"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import path from "node:path"
import { createOpencodeClient } from "@opencode-ai/sdk/v2"
import { startScriptedServer } from "@tandem/testing/scripted-server"
import { scriptedProject } from "@tandem/testing/fixture"
import { gate, lastToolResults, lastUser } from "@tandem/testing/script"
import { startServe } from "./serve-process"

// `!` shell mode and slash commands through opencode's own SDK against a real `tandem serve`.

const held = gate()
const holding = gate()
const model = startScriptedServer({
  responder: async (request) => {
    const asked = lastUser(request)
    if (!request.tools.length) return { text: "A title" }
    if (asked === "hold") {
      holding.release()
      await held.promise
      return { text: "released" }
    }
    if (asked.includes("AGENTS.md") && !lastToolResults(request).length)
      return {
        toolCalls: [{ name: "write", input: { filePath: "AGENTS.md", content: "# Agents\nRun `make test`.\n" } }],
      }
    if (asked.startsWith("Summarize"))
      return { text: `parent saw ${request.messages.some((m) => m.toolCalls?.[0]?.name === "task")}` }
    if (asked.startsWith("Lint")) return { text: "child: 2 warnings" }
    return { text: `answer: ${asked}` }
  },
})
let server: Awaited<ReturnType<typeof startServe>>
let directory: string
beforeAll(async () => {
  directory = scriptedProject(model.url, {
    permission: { bash: { "rm *": "deny" } },
    command: {
      greet: { template: "Greet $1 from $2", description: "say hello" },
      lint: { template: "Lint $ARGUMENTS", description: "lint in a child", agent: "general", subtask: true },
    },
  })
  writeFileSync(path.join(directory, "hello.txt"), "hello from disk\n")
  mkdirSync(path.join(directory, ".opencode", "command"), { recursive: true })
  writeFileSync(
    path.join(directory, ".opencode", "command", "explain.md"),
    "---\ndescription: Explain a file\nagent: plan\n---\nExplain $ARGUMENTS\n",
  )
  server = await startServe(directory, { ...process.env, XDG_DATA_HOME: path.join(directory, ".data") })
})
afterAll(async () => {
  held.release()
  server?.child.kill("SIGTERM")
  await server?.child.exited
  await model.stop()
})

const client = () => createOpencodeClient({ baseUrl: server.url, directory })

test("session.shell runs the command, answers the assistant message with its completed bash part, and streams it", async () => {
  const sdk = client()
  const sessionID = (await sdk.session.create({})).data!.id
  const events = await sdk.event.subscribe()
  const seen: { type: string; properties: any }[] = []
  const collecting = (async () => {
    for await (const event of events.stream) {
      const typed = event as { type: string; properties: any }
      if (typed.properties?.sessionID !== sessionID && typed.properties?.part?.sessionID !== sessionID) continue
      seen.push(typed)
      if (typed.type === "session.idle") break
    }
  })()
  const result = await sdk.session.shell({ sessionID, agent: "build", command: "cat hello.txt" })
  expect(result.error).toBeUndefined()
  expect(result.data!.info).toMatchObject({
    role: "assistant",
    agent: "build",
    providerID: "local",
    modelID: "scripted",
  })
  expect(result.data!.parts[0]).toMatchObject({
    type: "tool",
    tool: "bash",
    state: { status: "completed", input: { command: "cat hello.txt" }, output: "hello from disk\n" },
  })
  await collecting
  const types = seen.map((event) => event.type)
  for (const type of ["message.updated", "message.part.updated", "session.status", "session.idle"])
    expect(types).toContain(type)
  const partStates = seen
    .filter((event) => event.type === "message.part.updated" && event.properties.part.type === "tool")
    .map((event) => event.properties.part.state.status)
  expect(partStates[0]).toBe("running")
  expect(partStates.at(-1)).toBe("completed")
  const messages = (await sdk.session.messages({ sessionID })).data!
  expect(messages.map((m) => m.info.role)).toEqual(["user", "assistant"])
  expect(messages[0]!.parts[0]).toMatchObject({ type: "text", synthetic: true })
})

test("session.shell records a command the permission rules deny as refused, and does not run it", async () => {
  const sdk = client()
  const sessionID = (await sdk.session.create({})).data!.id
  const result = await sdk.session.shell({ sessionID, agent: "build", command: "rm hello.txt" })
  expect(result.data!.parts[0]).toMatchObject({
    tool: "bash",
    state: { status: "error", input: { command: "rm hello.txt" } },
  })
  expect(existsSync(path.join(directory, "hello.txt"))).toBe(true)
})

test("session.shell on a busy session answers 409 SessionBusyError, as opencode does", async () => {
  const sdk = client()
  const sessionID = (await sdk.session.create({})).data!.id
  await sdk.session.promptAsync({ sessionID, parts: [{ type: "text", text: "hold" }] })
  await holding.promise
  const result = await sdk.session.shell({ sessionID, agent: "build", command: "echo hi" })
  expect(result.response.status).toBe(409)
  expect(result.error).toMatchObject({ _tag: "SessionBusyError", sessionID })
  held.release()
})

test("command.list has init, the config's commands and the project's command files in opencode's shape", async () => {
  const listed = (await client().command.list()).data!
  const byName = Object.fromEntries(listed.map((command) => [command.name, command]))
  expect(Object.keys(byName)).toEqual(expect.arrayContaining(["init", "review", "greet", "lint", "explain"]))
  expect(byName.greet).toMatchObject({ description: "say hello", template: "Greet $1 from $2", hints: ["$1", "$2"] })
  expect(byName.lint).toMatchObject({ agent: "general", subtask: true, hints: ["$ARGUMENTS"] })
  expect(byName.explain).toMatchObject({ description: "Explain a file", agent: "plan", template: "Explain $ARGUMENTS" })
  expect(byName.init).toMatchObject({ source: "command", hints: ["$ARGUMENTS"] })
  expect(byName.review).toMatchObject({ source: "command", subtask: true, hints: ["$ARGUMENTS"] })
})

test("session.command fills in the arguments, answers the reply and emits command.executed", async () => {
  const sdk = client()
  const sessionID = (await sdk.session.create({})).data!.id
  const events = await sdk.event.subscribe()
  const executed = (async () => {
    for await (const event of events.stream) {
      const typed = event as { type: string; properties: any }
      if (typed.type === "command.executed" && typed.properties.sessionID === sessionID) return typed.properties
    }
  })()
  const reply = await sdk.session.command({ sessionID, command: "greet", arguments: "Ada the lab", agent: "build" })
  expect(reply.error).toBeUndefined()
  expect(reply.data!.parts.find((p) => p.type === "text")).toMatchObject({ text: "answer: Greet Ada from the lab" })
  expect(await executed).toEqual({ name: "greet", sessionID, arguments: "Ada the lab", messageID: reply.data!.info.id })
  const unknown = await sdk.session.command({ sessionID, command: "nope", arguments: "" })
  expect(unknown.response.status).toBe(404)
})

test("a subtask command runs in a child session through a task call; /init writes AGENTS.md", async () => {
  const sdk = client()
  const sessionID = (await sdk.session.create({})).data!.id
  const reply = await sdk.session.command({ sessionID, command: "lint", arguments: "src", agent: "build" })
  expect(reply.data!.parts.find((p) => p.type === "text")).toMatchObject({ text: "parent saw true" })
  const messages = (await sdk.session.messages({ sessionID })).data!
  const task = messages[1]!.parts[0]!
  expect(task).toMatchObject({ type: "tool", tool: "task", state: { status: "completed" } })
  expect(task.type === "tool" && task.state.status === "completed" && task.state.output).toContain("child: 2 warnings")
  expect((await sdk.session.children({ sessionID })).data).toHaveLength(1)

  const init = await sdk.session.command({ sessionID, command: "init", arguments: "" })
  expect(init.error).toBeUndefined()
  expect(readFileSync(path.join(directory, "AGENTS.md"), "utf8")).toContain("make test")
})
