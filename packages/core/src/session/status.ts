import type { Bus } from "../bus/bus"
import { SessionIdle, SessionStatusChanged } from "./events"
import type { SessionStatus } from "./session-info"

/** Which sessions are busy, idle or retrying; idle sessions are not kept. */
export class StatusTracker {
  private statuses = new Map<string, SessionStatus>()
  constructor(private bus: Bus) {}

  get(sessionID: string): SessionStatus {
    return this.statuses.get(sessionID) ?? { type: "idle" }
  }

  all(): Record<string, SessionStatus> {
    return Object.fromEntries(this.statuses)
  }

  set(sessionID: string, status: SessionStatus) {
    if (status.type === "idle") this.statuses.delete(sessionID)
    else this.statuses.set(sessionID, status)
    this.bus.publish(SessionStatusChanged, { sessionID, status })
    if (status.type === "idle") this.bus.publish(SessionIdle, { sessionID })
  }
}
