// Types only: the monitor's script is bundled for the browser, so it takes the shapes from the
// engine's schemas as types and never imports a value from the engine (zod stays out of it).
import type { z } from "zod"
import type { EventDef } from "@tandem/core/bus/bus"
import type { PermissionAsked, PermissionReplied } from "@tandem/core/permission/permission"
import type { PartUpdated, SessionDeleted, SessionStatusChanged, SessionUpdated } from "@tandem/core/session/events"
import type { Tokens } from "@tandem/core/session/message"
import type { TaskCreated, TaskDelivered, TaskProgress, TaskUpdated } from "@tandem/core/task/events"
import type { TaskInfo } from "@tandem/core/task/task-info"
import type { ServerConnected } from "../../events"

export type { PermissionRequest, PermissionReply } from "@tandem/core/permission/permission"
export type { WithParts } from "@tandem/core/session/message"
export type { SessionInfo, SessionStatus } from "@tandem/core/session/session-info"
export type { TaskInfo, TaskState } from "@tandem/core/task/task-info"
export type { Tokens }

type EventOf<D> = D extends EventDef<infer Name, infer Schema> ? { type: Name; properties: z.infer<Schema> } : never

/** The events of `GET /event` the monitor reads; it ignores every other kind. */
export type MonitorEvent = EventOf<
  | typeof ServerConnected
  | typeof TaskCreated
  | typeof TaskUpdated
  | typeof TaskProgress
  | typeof TaskDelivered
  | typeof PermissionAsked
  | typeof PermissionReplied
  | typeof SessionUpdated
  | typeof SessionDeleted
  | typeof SessionStatusChanged
  | typeof PartUpdated
>

/** A running task's live figures, as `task.progress` reports them. */
export type Progress = Omit<z.infer<(typeof TaskProgress)["schema"]>, "taskID" | "sessionID" | "parentSessionID">

/** A task as the routes return it; `progress` is read when a server includes it. */
export type TaskRow = TaskInfo & { progress?: Progress }

/**
 * `GET /session/:id/usage`: the session's usage with all its descendants'. The route is
 * announced, not yet served everywhere; the monitor sums its rows where it is missing.
 */
export type RolledUsage = {
  tokens: Omit<Tokens, "total">
  cost: number
  steps: number
  running: number
}
