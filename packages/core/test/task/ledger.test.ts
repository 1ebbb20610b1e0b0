import { expect, test } from "bun:test"
import { openDb } from "../../src/storage/db"
import { Ledger } from "../../src/task/ledger"
import type { TaskInfo } from "../../src/task/task-info"
import { emptyTokens } from "../../src/session/message"

function task(id: string): TaskInfo {
  return {
    id,
    parentSessionID: "ses_parent",
    parentMessageID: "msg_1",
    parentCallID: "call_1",
    sessionID: `ses_child_${id}`,
    agent: "general",
    model: { providerID: "scripted", modelID: "scripted" },
    description: "d",
    prompt: "p",
    state: "queued",
    attempts: 0,
    usage: { tokens: emptyTokens(), cost: 0, steps: 0 },
    time: { created: 1 },
    delivery: "pending",
  }
}

test("a finished task never changes state again, and only one claim on its result succeeds", () => {
  const ledger = new Ledger(openDb(":memory:"))
  ledger.insert(task("tsk_a"))
  expect(ledger.claim("tsk_a", "delivered", 5)).toBeUndefined()
  expect(ledger.transition("tsk_a", "running")?.state).toBe("running")
  expect(ledger.open().map((t) => t.id)).toEqual(["tsk_a"])
  expect(ledger.transition("tsk_a", "completed", (t) => ({ ...t, result: "done" }))?.result).toBe("done")
  expect(ledger.transition("tsk_a", "cancelled")).toBeUndefined()
  expect(ledger.undelivered("ses_parent").map((t) => t.id)).toEqual(["tsk_a"])
  expect(ledger.claim("tsk_a", "delivered", 7)?.delivery).toBe("delivered")
  expect(ledger.claim("tsk_a", "collected", 8)).toBeUndefined()
  expect(ledger.get("tsk_a")).toMatchObject({ state: "completed", delivery: "delivered", time: { delivered: 7 } })
  expect(ledger.undelivered("ses_parent")).toEqual([])
  expect(ledger.bySession("ses_child_tsk_a")?.id).toBe("tsk_a")
})
