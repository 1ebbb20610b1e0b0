import type { TaskInfo } from "../../src/task/task-info"

/** A task row with every field set, for tests of what is made from one (texts, parts); `extra` overrides any field. */
export function sampleTask(extra: Partial<TaskInfo> = {}): TaskInfo {
  return {
    id: "ses_child",
    parentSessionID: "ses_parent",
    parentMessageID: "msg_a",
    parentCallID: "call_a",
    sessionID: "ses_child",
    agent: "general",
    model: { providerID: "p", modelID: "m" },
    description: "Count words",
    prompt: "Count the words of greeting.txt",
    state: "queued",
    attempts: 1,
    usage: { tokens: { input: 120, output: 30, reasoning: 0, cache: { read: 0, write: 0 } }, cost: 0.5, steps: 2 },
    time: { created: 1, started: 2, ended: 1502 },
    delivery: "pending",
    result: "10 words",
    ...extra,
  }
}
