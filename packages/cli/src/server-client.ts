import type { TaskInfo } from "@tandem/core/task/task-info"
import type { TreeUsage } from "@tandem/core/task/tree-usage"
import { passwordFromEnv } from "@tandem/server/app"

/** The variables a client reads the server password from, in the order it looks. */
export const PASSWORD_VARIABLES = ["TANDEM_SERVER_PASSWORD", "OPENCODE_SERVER_PASSWORD"] as const

/** A client of a running `tandem serve`, with the password from the environment when one is set. */
export type ServerClient = {
  base: string
  get(path: string, signal?: AbortSignal): Promise<Response>
  /** POSTs `body` as JSON when given. */
  post(path: string, body?: unknown): Promise<Response>
  /** What went wrong with a response that is not ok, in words a user can act on. */
  failure(res: Response): Promise<string>
}

export function serverClient(url: string, env: Record<string, string | undefined> = process.env): ServerClient {
  const base = url.replace(/\/$/, "")
  const password = passwordFromEnv(env)
  const variable = PASSWORD_VARIABLES.find((name) => env[name])
  const headers: Record<string, string> = password ? { authorization: `Basic ${btoa(`opencode:${password}`)}` } : {}
  return {
    base,
    get: (path, signal) => fetch(base + path, { headers, signal }),
    post: (path, body) =>
      fetch(base + path, {
        method: "POST",
        headers: body === undefined ? headers : { ...headers, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    async failure(res) {
      if (res.status === 401)
        return password
          ? `the server at ${base} refused the password from ${variable}; set it to the password the server was started with`
          : `the server at ${base} needs a password: set TANDEM_SERVER_PASSWORD (or OPENCODE_SERVER_PASSWORD) to the one it was started with`
      const body = (await res.json().catch(() => ({}))) as { data?: { message?: string } }
      return body.data?.message ?? `HTTP ${res.status} from ${base}`
    },
  }
}

const reasons: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ConnectionRefused: "connection refused",
  ECONNRESET: "connection reset",
  ENOTFOUND: "host not found",
  ETIMEDOUT: "timed out",
}

/** Why a request could not reach the server at all (refused, reset, DNS…), in one line. */
export function unreachable(base: string, error: unknown) {
  const code = (error as { code?: string } | undefined)?.code
  const reason = (code && reasons[code]) ?? (error instanceof Error ? error.message : String(error))
  return `cannot reach ${base} (${reason}); is tandem serve running there?`
}

/** The outcome of one request: the value, a refusal by the server, or no answer at all. */
export type Reply<T> =
  | { kind: "ok"; value: T }
  | { kind: "refused"; status: number; message: string }
  | { kind: "unreachable"; message: string }

/** Background tasks of the server (of one parent session when `sessionID` is given), oldest first. */
export async function listTasks(client: ServerClient, sessionID?: string): Promise<Reply<TaskInfo[]>> {
  const route = sessionID ? `/session/${encodeURIComponent(sessionID)}/task` : "/task"
  try {
    const res = await client.get(route)
    if (!res.ok) return { kind: "refused", status: res.status, message: await client.failure(res) }
    const tasks = (await res.json()) as TaskInfo[]
    return { kind: "ok", value: tasks.sort((a, b) => a.time.created - b.time.created) }
  } catch (error) {
    return { kind: "unreachable", message: unreachable(client.base, error) }
  }
}

/** The usage of a session and all its descendants, with its running tasks. */
export async function treeUsage(client: ServerClient, sessionID: string): Promise<Reply<TreeUsage>> {
  try {
    const res = await client.get(`/session/${encodeURIComponent(sessionID)}/usage`)
    if (!res.ok) return { kind: "refused", status: res.status, message: await client.failure(res) }
    return { kind: "ok", value: (await res.json()) as TreeUsage }
  } catch (error) {
    return { kind: "unreachable", message: unreachable(client.base, error) }
  }
}
