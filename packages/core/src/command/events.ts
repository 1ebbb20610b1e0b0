import { z } from "zod"
import { defineEvent } from "../bus/bus"

/** A command ran: its name, the arguments as typed and the message that answered it. */
export const CommandExecuted = defineEvent(
  "command.executed",
  z.object({
    name: z.string(),
    sessionID: z.string().startsWith("ses_"),
    arguments: z.string(),
    messageID: z.string().startsWith("msg_"),
  }),
)
