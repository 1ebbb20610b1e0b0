import type { Bus } from "../bus/bus"
import type { Part, ToolPart, ToolState } from "../session/message"
import type { Store } from "../session/store"
import { answeredText } from "../session/answered-call"
import { parseRows } from "../storage/db"
import { TaskUpdated } from "./events"
import { endedWithout } from "./result-part"
import type { TaskInfo } from "./task-info"

/** What a dispatch part keeps whatever its task's state: the call, its start and the receipt it was answered with. */
export type Dispatch = {
  input: Record<string, unknown>
  metadata: Record<string, unknown>
  start: number
  receipt: string
}

/**
 * A background dispatch's tool part as its task stands: `running` while the task is queued
 * (`metadata.state: "queued"`, `metadata.queued: true`, title ending "(queued)") and while it runs;
 * `completed` once it completed; `error` with the reason once it was cancelled, failed or was
 * interrupted. `pending` is not used for a queued task: opencode's pending state has no metadata,
 * and clients need `sessionId` to open the child. The receipt stays in `metadata.receipt` (and is
 * the output of a completed part): it is what the model reads for this call in every state.
 */
export function dispatchState(task: TaskInfo, dispatch: Dispatch, now = Date.now()): ToolState {
  const { input, start, receipt } = dispatch
  const metadata = { ...dispatch.metadata, receipt, state: task.state, queued: task.state === "queued" }
  if (task.state === "queued")
    return { status: "running", input, title: `${task.description} (queued)`, metadata, time: { start } }
  if (task.state === "running") return { status: "running", input, title: task.description, metadata, time: { start } }
  const time = { start, end: Math.max(task.time.ended ?? now, start) }
  if (task.state === "completed")
    return { status: "completed", input, output: receipt, title: task.description, metadata, time }
  return { status: "error", input, error: endedWithout(task), metadata, time }
}

/** The dispatch a tool part records, or undefined when the part is not a background dispatch's. */
export function dispatchOf(part: ToolPart): Dispatch | undefined {
  const receipt = answeredText(part)
  if (receipt === undefined || part.state.status === "pending") return undefined
  const { input, metadata = {}, time } = part.state
  return { input, metadata, start: time.start, receipt }
}

/**
 * Brings the dispatch part of `task` (its background call's, or a blocking call's moved to the
 * background) in its parent's transcript up to the task's state. A part of another task (a call
 * continued with `task_id`) and a part already up to date are left alone.
 */
export function syncDispatchPart(store: Store, task: TaskInfo) {
  // One row, not the message's every part: a fan-out's message holds a part per task, each updated several times.
  const row = store.db
    .query("select data from part where message_id = ? and data ->> '$.callID' = ?")
    .all(task.parentMessageID, task.parentCallID)
  const part = parseRows<Part>(row).find((candidate): candidate is ToolPart => candidate.type === "tool")
  const dispatch = part && dispatchOf(part)
  if (!part || !dispatch || dispatch.metadata.taskID !== task.id) return
  if (dispatch.metadata.state === task.state) return
  store.upsertPart({ ...part, state: dispatchState(task, dispatch) })
}

/** Keeps every dispatch part following its task: each change of a task's state is written to its part. */
export function followDispatchParts(bus: Bus, store: Store) {
  return bus.on(TaskUpdated, ({ task }) => syncDispatchPart(store, task))
}

/**
 * At a take-over: the dispatch parts a stopped process left running (`parts`, as `closeInterrupted`
 * hands them over) are brought up to their tasks' states (a process that stopped between ending a
 * task and writing its part), and one whose task is gone (its child session was deleted) ends as
 * an error saying so. No part is left spinning.
 */
export function settleDispatchParts(store: Store, task: (id: string) => TaskInfo | undefined, parts: ToolPart[]) {
  for (const part of parts) {
    const dispatch = dispatchOf(part)
    if (!dispatch) continue
    const found = task(String(dispatch.metadata.taskID))
    if (found) syncDispatchPart(store, found)
    else store.upsertPart({ ...part, state: goneState(dispatch) })
  }
}

function goneState(dispatch: Dispatch): ToolState {
  const { input, metadata, start, receipt } = dispatch
  const time = { start, end: Math.max(Date.now(), start) }
  return {
    status: "error",
    input,
    error: "Task gone: its session was deleted",
    metadata: { ...metadata, receipt },
    time,
  }
}
