import { z } from "zod"
import { defineEvent } from "../../bus/bus"

/** A session's transcript was summarised: later model calls start from the summary. */
export const SessionCompacted = defineEvent("session.compacted", z.object({ sessionID: z.string() }))
