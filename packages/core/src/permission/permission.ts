import { z } from "zod"
import { defineEvent, type Bus } from "../bus/bus"
import { ascending } from "../id/id"
import type { PermissionConfig } from "../config/config"
import type { PermissionOutcome } from "../tool/tool"
import { evaluateAll } from "./rules"

export const PermissionRequest = z
  .object({
    id: z.string().startsWith("per_"),
    sessionID: z.string().startsWith("ses_"),
    permission: z.string(),
    patterns: z.array(z.string()),
    metadata: z.record(z.string(), z.unknown()),
    always: z.array(z.string()),
    tool: z.object({ messageID: z.string(), callID: z.string() }).optional(),
    /** Tandem: for a request raised by a background child, the session where the user is. */
    parentSessionID: z.string().optional(),
  })
  .meta({ id: "PermissionRequest" })
export type PermissionRequest = z.infer<typeof PermissionRequest>

export const PermissionReply = z.enum(["once", "always", "reject"])
export type PermissionReply = z.infer<typeof PermissionReply>

export const PermissionAsked = defineEvent("permission.asked", PermissionRequest)
export const PermissionReplied = defineEvent(
  "permission.replied",
  z.object({ sessionID: z.string(), requestID: z.string(), reply: PermissionReply }),
)

type Pending = { request: PermissionRequest; resolve: (outcome: PermissionOutcome) => void }

export type AskInput = {
  sessionID: string
  permission: string
  patterns: string[]
  metadata?: Record<string, unknown>
  /** Ask even where the rules allow (a deny still refuses at once). */
  askEvenIfAllowed?: boolean
  tool?: { messageID: string; callID: string }
  /** Rule sets to apply, strictest wins (global, agent, ancestors). */
  rules: (PermissionConfig | undefined)[]
  parentSessionID?: string
  abort?: AbortSignal
}

/**
 * Decides asks: allow and deny answer at once; ask publishes a request and waits for a reply,
 * unless nobody can answer (`interactive: false`), where it is refused with a reason.
 */
export class Permissions {
  private pending = new Map<string, Pending>()
  /** Patterns approved with "always", per session and permission. */
  private approved = new Map<string, Set<string>>()

  constructor(
    private bus: Bus,
    private interactive: () => boolean,
  ) {}

  async ask(input: AskInput): Promise<PermissionOutcome> {
    let needsAsk: string[] = []
    for (const pattern of input.patterns) {
      const action = evaluateAll(input.rules, input.permission, pattern)
      if (action === "deny")
        return {
          granted: false,
          reason: `permission "${input.permission}" is denied for ${pattern} by the configuration`,
        }
      const asks = action === "ask" || input.askEvenIfAllowed
      if (asks && !this.isApproved(input, pattern)) needsAsk.push(pattern)
    }
    if (needsAsk.length === 0) return { granted: true }
    if (!this.interactive())
      return {
        granted: false,
        reason: `permission "${input.permission}" for ${needsAsk.join(", ")} needs approval and nobody can answer in this run; it was refused`,
      }
    const request: PermissionRequest = {
      id: ascending("permission"),
      sessionID: input.sessionID,
      permission: input.permission,
      patterns: needsAsk,
      metadata: input.metadata ?? {},
      always: needsAsk,
      tool: input.tool,
      parentSessionID: input.parentSessionID,
    }
    return new Promise<PermissionOutcome>((resolve) => {
      const done = (outcome: PermissionOutcome) => {
        input.abort?.removeEventListener("abort", onAbort)
        this.pending.delete(request.id)
        resolve(outcome)
      }
      const onAbort = () => done({ granted: false, reason: "aborted while waiting for permission" })
      input.abort?.addEventListener("abort", onAbort, { once: true })
      this.pending.set(request.id, { request, resolve: done })
      this.bus.publish(PermissionAsked, request)
    })
  }

  /** Answers a pending request; false when no such request is waiting. */
  reply(requestID: string, reply: PermissionReply, message?: string) {
    const pending = this.pending.get(requestID)
    if (!pending) return false
    const { request } = pending
    if (reply === "always") {
      const key = `${request.sessionID}:${request.permission}`
      const set = this.approved.get(key) ?? new Set()
      for (const pattern of request.always) set.add(pattern)
      this.approved.set(key, set)
    }
    pending.resolve(
      reply === "reject"
        ? { granted: false, reason: message ? `the user refused: ${message}` : "the user refused this permission" }
        : { granted: true },
    )
    this.bus.publish(PermissionReplied, { sessionID: request.sessionID, requestID, reply })
    return true
  }

  list() {
    return [...this.pending.values()].map((pending) => pending.request)
  }

  get(requestID: string) {
    return this.pending.get(requestID)?.request
  }

  private isApproved(input: AskInput, pattern: string) {
    return this.approved.get(`${input.sessionID}:${input.permission}`)?.has(pattern) ?? false
  }
}
