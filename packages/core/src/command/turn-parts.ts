import { ascending } from "../id/id"
import { newAssistantMessage } from "../session/assistant-message"
import type { AssistantMessage, ModelRef, Part, ToolPart, UserMessage } from "../session/message"
import type { Store } from "../session/store"
import { outcomeState, type ToolContext, type ToolOutcome } from "../tool/tool"

/** A part to write on a new message: the message fills in its ids. */
export type NewPart = Part extends infer P
  ? P extends Part
    ? Omit<P, "id" | "sessionID" | "messageID">
    : never
  : never

/**
 * A turn the user starts without the model: a user message (with `parts`), and an assistant
 * message holding one running tool part, written together. Returns the assistant message and part.
 */
export function openToolTurn(
  store: Store,
  input: {
    sessionID: string
    messageID?: string
    user: { agent: string; model: ModelRef }
    parts: NewPart[]
    assistant: { agent: string; model: ModelRef }
    directory: string
    tool: string
    args: Record<string, unknown>
  },
) {
  const { sessionID } = input
  const user: UserMessage = {
    id: input.messageID ?? ascending("message"),
    sessionID,
    role: "user",
    time: { created: Date.now() },
    agent: input.user.agent,
    model: input.user.model,
  }
  return store.transaction(() => {
    store.upsertMessage(user)
    for (const part of input.parts)
      store.upsertPart({ ...part, id: ascending("part"), sessionID, messageID: user.id } as Part)
    const message = store.upsertMessage(
      newAssistantMessage({ sessionID, parentID: user.id, ...input.assistant, directory: input.directory }),
    ) as AssistantMessage
    const part = store.upsertPart({
      id: ascending("part"),
      sessionID,
      messageID: message.id,
      type: "tool",
      callID: `call_${crypto.randomUUID()}`,
      tool: input.tool,
      state: { status: "running", input: input.args, time: { start: Date.now() } },
    }) as ToolPart
    return { message, part }
  })
}

/** Live updates of a running part's title and metadata, as a tool reports them. */
export function progressOf(store: Store, current: () => ToolPart, set: (part: ToolPart) => void) {
  const progress: ToolContext["progress"] = (update) => {
    const part = current()
    if (part.state.status !== "running") return
    const state = {
      ...part.state,
      title: update.title ?? part.state.title,
      metadata: { ...part.state.metadata, ...update.metadata },
    }
    set(store.upsertPart({ ...part, state }) as ToolPart)
  }
  return progress
}

/** Ends the turn: the part completed or failed with the tool's outcome, the message completed. */
export function closeToolTurn(
  store: Store,
  input: { message: AssistantMessage; part: ToolPart; outcome: ToolOutcome; finish?: string },
) {
  const { message, part, outcome } = input
  const running = part.state.status === "running" ? part.state : undefined
  const end = Date.now()
  const call = { input: part.state.input, metadata: running?.metadata, start: running?.time.start ?? end }
  const closed: ToolPart = { ...part, state: outcomeState(outcome, call, end) }
  const done: AssistantMessage = { ...message, time: { ...message.time, completed: end }, finish: input.finish }
  return store.transaction(() => {
    store.upsertPart(closed)
    store.upsertMessage(done)
    return { info: done, parts: [closed] }
  })
}
