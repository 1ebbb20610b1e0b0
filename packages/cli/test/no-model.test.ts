import { expect, test } from "bun:test"
import { createOpencodeClient } from "@opencode-ai/sdk/v2"
import { tempProject } from "@tandem/testing/fixture"
import { startServe } from "./serve-process"

// A project with no model configured: `tandem serve` starts, offers no model (the built-in
// scripted one is for the demo and the tests, used only when named), and refuses a prompt
// with an error a client shows that says how to configure one, without writing anything.
test("tandem serve without a configured model starts, offers no model and refuses prompts with how to configure one", async () => {
  const directory = tempProject()
  const { child, url } = await startServe(directory)
  const client = createOpencodeClient({ baseUrl: url, directory })

  const providers = (await client.config.providers()).data!
  expect(providers.providers.map((p) => p.id)).not.toContain("scripted")
  expect(providers.default).toEqual({})
  const listed = (await client.provider.list()).data!
  expect(listed.all.map((p) => p.id)).not.toContain("scripted")
  expect(listed.connected).not.toContain("scripted")

  const events = await client.event.subscribe()
  const announced = (async () => {
    for await (const event of events.stream) if (event.type === "session.error") return event.properties
  })()
  const sessionID = (await client.session.create({})).data!.id
  const reply = await client.session.prompt({ sessionID, parts: [{ type: "text", text: "edit a file" }] })
  expect(reply.response.status).toBe(400)
  const error = reply.error as unknown as { name: string; data: { message: string } }
  expect(error.name).toBe("ProviderModelNotFoundError")
  expect(error.data.message).toContain('set "model" to "provider/model" in opencode.json')
  expect(await announced).toEqual({ sessionID, error: { name: "UnknownError", data: { message: error.data.message } } })
  expect((await client.session.messages({ sessionID })).data).toEqual([])

  const background = await client.session.promptAsync({ sessionID, parts: [{ type: "text", text: "again" }] })
  expect(background.response.status).toBe(400)
  expect((await client.session.messages({ sessionID })).data).toEqual([])

  child.kill("SIGTERM")
  expect(await child.exited).toBe(0)
}, 30_000)
