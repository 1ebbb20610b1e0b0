import { z } from "zod"
import { defineEvent } from "../bus/bus"
import { Message, Part } from "./message"
import { SessionInfo, SessionStatus } from "./session-info"
import { MessageError } from "./message-error"

export const SessionCreated = defineEvent("session.created", z.object({ sessionID: z.string(), info: SessionInfo }))
export const SessionUpdated = defineEvent("session.updated", z.object({ sessionID: z.string(), info: SessionInfo }))
export const SessionDeleted = defineEvent("session.deleted", z.object({ sessionID: z.string(), info: SessionInfo }))
export const SessionStatusChanged = defineEvent(
  "session.status",
  z.object({ sessionID: z.string(), status: SessionStatus }),
)
export const SessionIdle = defineEvent("session.idle", z.object({ sessionID: z.string() }))
export const SessionError = defineEvent(
  "session.error",
  z.object({ sessionID: z.string().optional(), error: MessageError.optional() }),
)
export const MessageUpdated = defineEvent("message.updated", z.object({ sessionID: z.string(), info: Message }))
export const MessageRemoved = defineEvent("message.removed", z.object({ sessionID: z.string(), messageID: z.string() }))
export const PartUpdated = defineEvent(
  "message.part.updated",
  z.object({ sessionID: z.string(), part: Part, time: z.number() }),
)
export const PartDelta = defineEvent(
  "message.part.delta",
  z.object({
    sessionID: z.string(),
    messageID: z.string(),
    partID: z.string(),
    field: z.string(),
    delta: z.string(),
  }),
)
export const PartRemoved = defineEvent(
  "message.part.removed",
  z.object({ sessionID: z.string(), messageID: z.string(), partID: z.string() }),
)
