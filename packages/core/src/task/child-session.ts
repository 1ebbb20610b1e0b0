import type { Store } from "../session/store"

/**
 * Creates the session a sub-agent works in, under its caller's session, titled as opencode
 * titles it ("<description> (@<agent> subagent)"; "background" for a background task).
 */
export function createChildSession(
  store: Store,
  input: {
    parentSessionID: string
    directory: string
    description: string
    agent: string
    background: boolean
    /** The session id, when it was chosen beforehand (an isolated task's branch is named after it). */
    id?: string
  },
) {
  return store.createSession({
    id: input.id,
    parentID: input.parentSessionID,
    directory: input.directory,
    title: `${input.description} (@${input.agent} ${input.background ? "background" : "subagent"})`,
    agent: input.agent,
  })
}
