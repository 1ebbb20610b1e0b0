import { afterAll, expect, test } from "bun:test"
import { createOpencodeClient } from "@opencode-ai/sdk/v2"
import { startScriptedServer } from "@tandem/testing/scripted-server"
import { scriptedProject } from "@tandem/testing/fixture"
import { lastUser } from "@tandem/testing/script"
import { startServe } from "./serve-process"

const model = startScriptedServer({ responder: (request) => ({ text: `served: ${lastUser(request)}` }) })
afterAll(() => model.stop())

test("scripts/tandem serve in a project whose opencode.json names an OpenAI-compatible server answers the SDK round trip", async () => {
  const directory = scriptedProject(model.url)
  const { child, url } = await startServe(directory)
  expect(url).toStartWith("http://127.0.0.1:")

  const client = createOpencodeClient({ baseUrl: url })
  const sessionID = (await client.session.create({})).data!.id
  const reply = await client.session.prompt({ sessionID, parts: [{ type: "text", text: "ping" }] })
  expect(reply.data!.parts.find((p) => p.type === "text")).toMatchObject({ text: "served: ping" })
  expect((await client.session.messages({ sessionID })).data).toHaveLength(2)

  child.kill("SIGTERM")
  expect(await child.exited).toBe(0)
}, 30_000)
