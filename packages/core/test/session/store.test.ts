import { expect, test } from "bun:test"
import { Bus } from "../../src/bus/bus"
import { closeInterrupted } from "../../src/session/close-interrupted"
import { Store } from "../../src/session/store"
import { openDb } from "../../src/storage/db"

const store = () => new Store(openDb(":memory:"), new Bus())

test("ancestors: the session itself, then each session above it up to the root", () => {
  const s = store()
  const root = s.createSession({ directory: "/p" })
  const child = s.createSession({ directory: "/p", parentID: root.id })
  const grandchild = s.createSession({ directory: "/p", parentID: child.id })
  expect(s.ancestors(grandchild.id).map((info) => info.id)).toEqual([grandchild.id, child.id, root.id])
  expect(s.ancestors(root.id).map((info) => info.id)).toEqual([root.id])
  expect(s.ancestors("ses_missing")).toEqual([])
})

test("closeInterrupted ends tool parts left pending or running, keeping a running part's start", () => {
  const s = store()
  const session = s.createSession({ directory: "/p" })
  const base = { sessionID: session.id, messageID: "msg_1", type: "tool" as const, tool: "bash" }
  s.upsertPart({ ...base, id: "prt_1", callID: "c1", state: { status: "pending", input: {}, raw: "" } })
  s.upsertPart({
    ...base,
    id: "prt_2",
    callID: "c2",
    state: { status: "running", input: { a: 1 }, time: { start: 5 } },
  })
  expect(closeInterrupted(s, "stopped", { sessions: [session.id] })).toEqual([session.id])
  const [pending, running] = s.parts("msg_1")
  expect(pending).toMatchObject({ state: { status: "error", error: "stopped" } })
  expect(running).toMatchObject({ state: { status: "error", input: { a: 1 }, error: "stopped", time: { start: 5 } } })
})
