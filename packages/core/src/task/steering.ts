import type { Bus } from "../bus/bus"
import { ascending } from "../id/id"
import { SessionIdle } from "../session/events"
import type { UserMessage } from "../session/message"
import { checkClientIds } from "../session/client-ids"
import type { PromptInput, SessionRunner } from "../session/prompt"
import type { Store } from "../session/store"
import { migrate, parseRows } from "../storage/db"
import { TaskSteered, TaskUpdated } from "./events"
import type { Ledger } from "./ledger"
import { TERMINAL, type TaskInfo } from "./task-info"

const schema = `
  create table steer (
    id text primary key,
    session_id text not null,
    data text not null
  );
  create index steer_session on steer(session_id, id);
`

/** A steering message waiting for its child's next step boundary. */
type Queued = {
  id: string
  taskID: string
  sessionID: string
  /** The id the client chose for the message, if it chose one; otherwise the message takes `id`. */
  messageID?: string
  parts: PromptInput["parts"]
  time: number
}

/** What sending a steering message came to. */
export type SteerOutcome =
  { kind: "queued"; task: TaskInfo; id: string } | { kind: "finished"; task: TaskInfo } | { kind: "not-found" }

export type SteeringDeps = {
  store: Store
  ledger: Ledger
  bus: Bus
  runner: SessionRunner
  /** Whether an idle child may be resumed: not while a cancel or budget ends its task, nor at shutdown. */
  mayResume(sessionID: string): boolean
}

/**
 * Messages to a running child, delivered the way results reach a parent, in the other direction:
 * queued in SQLite (so a crash does not lose one), appended to the child's transcript as a user
 * message at its next step boundary, before its next model call. A child idle between steps
 * (waiting on its own tasks) is resumed to take it at once.
 */
export class Steering {
  constructor(private readonly deps: SteeringDeps) {
    migrate(deps.store.db, "task-steer-1", schema)
  }

  /** Queues `text` for the task (by task id or child session id); refused once the task has ended. */
  send(idOrSession: string, text: string): SteerOutcome {
    return this.queue(idOrSession, { parts: [{ type: "text", text }] })
  }

  /**
   * A prompt to a session through the ordinary prompt routes: when the session is an unfinished
   * task's child it is queued as steering (the task's own loop takes it) and the task is returned;
   * undefined when the prompt is the caller's to run. Throws the prompt's id errors.
   */
  prompt(sessionID: string, input: PromptInput) {
    if (input.noReply) return undefined
    const task = this.deps.ledger.bySession(sessionID)
    if (!task || TERMINAL.has(task.state)) return undefined
    checkClientIds(this.deps.store, sessionID, input)
    const outcome = this.queue(task.id, input)
    return outcome.kind === "queued" ? outcome : undefined
  }

  /**
   * The loop's step-boundary hook: appends the session's queued messages, each as a user message
   * continuing the last one's agent and model, and drops them from the queue in the same
   * transaction; true when any were appended.
   */
  atStepBoundary(sessionID: string) {
    const { store, bus } = this.deps
    const queued = parseRows<Queued>(
      store.db.query("select data from steer where session_id = ? order by id").all(sessionID),
    )
    const previous = queued.length ? store.lastUserMessage(sessionID) : undefined
    if (!previous) return false
    const appended = store.transaction(() =>
      queued.map((steer) => {
        // The queued id (or the client's) unless the transcript has moved past it (a retried step).
        const wanted = steer.messageID ?? steer.id
        const last = store.lastMessage(sessionID)
        const fresh = store.messageExists(wanted) || (last !== undefined && wanted <= last.id)
        const info: UserMessage = {
          ...previous,
          id: fresh ? ascending("message") : wanted,
          time: { created: Date.now() },
        }
        store.upsertMessage(info)
        for (const part of steer.parts)
          store.upsertPart({
            ...part,
            id: fresh ? ascending("part") : (part.id ?? ascending("part")),
            sessionID,
            messageID: info.id,
          })
        store.db.query("delete from steer where id = ?").run(steer.id)
        return { steer, messageID: info.id }
      }),
    )
    for (const { steer, messageID } of appended)
      bus.publish(TaskSteered, { taskID: steer.taskID, sessionID, messageID, steerID: steer.id })
    return appended.length > 0
  }

  /** Whether a message is still waiting in the queue. */
  isQueued(id: string) {
    return this.deps.store.db.query("select 1 from steer where id = ?").get(id) !== null
  }

  /**
   * Resolves once the queued message `id` has been taken and the child's loop is idle again, or
   * its task has ended: what the blocking prompt route waits for before it answers.
   */
  async answered(sessionID: string, id: string) {
    const { ledger, runner, bus } = this.deps
    const done = () => {
      const task = ledger.bySession(sessionID)
      return !task || TERMINAL.has(task.state) || (!this.isQueued(id) && !runner.isBusy(sessionID))
    }
    while (!done()) {
      await new Promise<void>((resolve) => {
        const off = bus.subscribe((event) => {
          if (event.type !== SessionIdle.name && event.type !== TaskUpdated.name && event.type !== TaskSteered.name)
            return
          off()
          resolve()
        })
      })
    }
  }

  private queue(idOrSession: string, input: Pick<PromptInput, "parts" | "messageID">): SteerOutcome {
    const { store, ledger, runner } = this.deps
    const task = ledger.get(idOrSession) ?? ledger.bySession(idOrSession)
    if (!task) return { kind: "not-found" }
    if (TERMINAL.has(task.state)) return { kind: "finished", task }
    const steer: Queued = {
      id: ascending("message"),
      taskID: task.id,
      sessionID: task.sessionID,
      messageID: input.messageID,
      parts: input.parts,
      time: Date.now(),
    }
    store.transaction(() =>
      store.db
        .query("insert into steer (id, session_id, data) values (?, ?, ?)")
        .run(steer.id, steer.sessionID, JSON.stringify(steer)),
    )
    // A running child between steps (waiting on its own tasks) takes it now; a busy one at its
    // next step boundary; a queued one before its first model call.
    if (task.state === "running" && !runner.isBusy(task.sessionID) && this.deps.mayResume(task.sessionID))
      void runner.resume(task.sessionID)
    return { kind: "queued", task, id: steer.id }
  }
}
