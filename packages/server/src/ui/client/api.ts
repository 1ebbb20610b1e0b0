/// <reference lib="dom" />
import type { PermissionReply, PermissionRequest, RolledUsage, SessionInfo, TaskRow, WithParts } from "./types"

/** A route's answer: the body, or the status and the server's message. Status 0: no answer at all. */
export type Answer<T> = { ok: true; data: T } | { ok: false; status: number; message: string }

/**
 * The address of a route on the server the page came from, without the user name and password a
 * page opened as `http://user:pass@host/ui` carries in its own address: the browser refuses to
 * fetch such an address, and sends the credentials it holds for the origin anyway.
 */
export const routeURL = (path: string) => new URL(path, location.origin).href

/**
 * Calls a route of the server the page came from. Same-origin, so the browser sends the Basic
 * credentials it already holds for the page when the server has a password.
 */
async function call<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<Answer<T>> {
  const init: RequestInit = { method, credentials: "same-origin" }
  if (body !== undefined) {
    init.body = JSON.stringify(body)
    init.headers = { "content-type": "application/json" }
  }
  const response = await fetch(routeURL(path), init).catch((error: unknown) => String(error))
  if (typeof response === "string") return { ok: false, status: 0, message: `the server did not answer (${response})` }
  const text = await response.text()
  const json = parse(text)
  if (response.ok) return { ok: true, data: json as T }
  const message = (json as { data?: { message?: unknown } } | undefined)?.data?.message
  return {
    ok: false,
    status: response.status,
    message: typeof message === "string" ? message : text || response.statusText,
  }
}

function parse(text: string): unknown {
  if (!text) return undefined
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

const id = encodeURIComponent

export const api = {
  session: (sessionID: string) => call<SessionInfo>("GET", `/session/${id(sessionID)}`),
  messages: (sessionID: string) => call<WithParts[]>("GET", `/session/${id(sessionID)}/message`),
  tasks: (sessionID: string) => call<TaskRow[]>("GET", `/session/${id(sessionID)}/task`),
  /** Every task below the session, however deep. */
  tree: (sessionID: string) => call<TaskRow[]>("GET", `/session/${id(sessionID)}/task/tree`),
  usage: (sessionID: string) => call<RolledUsage>("GET", `/session/${id(sessionID)}/usage`),
  permissions: () => call<PermissionRequest[]>("GET", "/permission"),
  cancel: (taskID: string) => call<TaskRow>("POST", `/task/${id(taskID)}/cancel`),
  steer: (taskID: string, text: string) => call<unknown>("POST", `/task/${id(taskID)}/message`, { text }),
  reply: (requestID: string, reply: PermissionReply) =>
    call<boolean>("POST", `/permission/${id(requestID)}/reply`, { reply }),
}
