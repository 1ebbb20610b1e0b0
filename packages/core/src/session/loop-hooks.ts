import type { AgentInfo } from "../agent/agent"
import type { StepSnapshot } from "../snapshot/snapshots"
import type { Tool } from "../tool/tool"

/**
 * What the prompt loop asks of the rest of the engine. The loop knows nothing of sub-agents or
 * background tasks: they plug in here. Each hook runs synchronously inside the loop's own
 * control flow, so none may throw (a throw would end the loop, or the abort call, with that
 * error) and none may wait for the session's loop to end.
 */
export type LoopHooks = {
  /**
   * The tools an agent may use in a session, asked before every model call. Must not throw;
   * must not write.
   */
  tools(input: { sessionID: string; agent: AgentInfo }): Tool[]
  /**
   * Called at every step boundary, before the transcript is read for the next model call (and
   * before the first one). May append to this session's transcript (never rewrite it); returning
   * true asks for another step even when the transcript would not. Must not start, resume or
   * await this session's loop: it is the one running.
   */
  beforeStep?(sessionID: string): boolean
  /**
   * Called once a loop has ended and the session is idle (its status already says so). May
   * re-enter: resuming the session here starts a new loop.
   */
  onIdle?(sessionID: string): void
  /**
   * Called when a running turn is aborted, after its signal fired and before its loop has ended.
   * May abort or cancel other sessions' work; must not resume this session.
   */
  onAbort?(sessionID: string): void
  /** The snapshots to take around one step of a session working in `directory`. Must not throw. */
  snapshot?(sessionID: string, directory: string): StepSnapshot | undefined
  /**
   * Called before a prompt's user message is written, so a revert the user did not undo becomes
   * permanent first. Must not throw; must not start the loop.
   */
  beforePrompt?(sessionID: string): void
}
