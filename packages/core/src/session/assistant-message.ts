import { ascending } from "../id/id"
import { emptyTokens, type AssistantMessage, type ModelRef } from "./message"

/** A new assistant message answering the user message `parentID`: not completed, nothing spent yet. */
export function newAssistantMessage(input: {
  sessionID: string
  parentID: string
  model: ModelRef
  agent: string
  directory: string
  now?: number
}): AssistantMessage {
  const now = input.now ?? Date.now()
  return {
    id: ascending("message", now),
    sessionID: input.sessionID,
    role: "assistant",
    time: { created: now },
    parentID: input.parentID,
    modelID: input.model.modelID,
    providerID: input.model.providerID,
    ...(input.model.variant ? { variant: input.model.variant } : {}),
    mode: input.agent,
    agent: input.agent,
    path: { cwd: input.directory, root: input.directory },
    cost: 0,
    tokens: emptyTokens(),
  }
}
