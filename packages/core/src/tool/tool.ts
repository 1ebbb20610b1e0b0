import type { z } from "zod"
import type { ModelRef, ToolState } from "../session/message"
import type { FileVersions } from "./file-versions"

/** The outcome of asking for a permission: granted, or refused with a reason the model sees. */
export type PermissionOutcome = { granted: true } | { granted: false; reason: string }

/** What a tool may ask for: a permission name (usually the tool id) and the patterns it touches. */
export type PermissionAsk = {
  permission: string
  patterns: string[]
  metadata?: Record<string, unknown>
  /** Ask even where the rules allow: for input the rules cannot be trusted to judge. */
  askEvenIfAllowed?: boolean
}

/** Everything a tool may touch, handed in explicitly so a test can pass its own. */
export type ToolContext = {
  sessionID: string
  messageID: string
  callID: string
  agent: string
  /** The model of the calling turn (a sub-agent without its own model inherits it). */
  model?: ModelRef
  /** The project directory; file tools are confined to it unless permission allows otherwise. */
  directory: string
  abort: AbortSignal
  /** What each session last saw of each file, so writes do not overwrite changes they never saw. */
  fileVersions: FileVersions
  /** Asks the permission service; resolves once allowed, refused, or answered by a user. */
  ask(request: PermissionAsk): Promise<PermissionOutcome>
  /** Publishes a live title / metadata update on the running tool part. */
  progress(update: { title?: string; metadata?: Record<string, unknown> }): void
}

/** A successful tool run: the output the model sees, a short title and metadata for clients. */
export type ToolSuccess = {
  title: string
  output: string
  metadata: Record<string, unknown>
  /**
   * The state to store in place of `answered` (the `completed` state), for a call answered while
   * its work goes on: a background dispatch's part follows its task. Read when the part is saved.
   */
  state?: (answered: Extract<ToolState, { status: "completed" }>) => ToolState
}

/** An expected tool failure, as a value: the message is what the model sees. */
export type ToolFailure = { error: string; metadata?: Record<string, unknown> }

export type ToolOutcome = ToolSuccess | ToolFailure

export function fail(error: string, metadata?: Record<string, unknown>): ToolFailure {
  return { error, metadata }
}

export function isFailure(outcome: ToolOutcome): outcome is ToolFailure {
  return "error" in outcome
}

/**
 * The state a call's part is saved with once its tool returned: an error for a failure; for a
 * success `completed`, unless the tool's work goes on (see `ToolSuccess.state`). The metadata the
 * part got while it ran stays, under the outcome's.
 */
export function outcomeState(
  outcome: ToolOutcome,
  call: { input: Record<string, unknown>; metadata?: Record<string, unknown>; start: number },
  end = Date.now(),
): ToolState {
  const { input, start } = call
  const metadata = { ...call.metadata, ...outcome.metadata }
  const time = { start, end }
  if (isFailure(outcome)) return { status: "error", input, error: outcome.error, metadata, time }
  const completed = {
    status: "completed" as const,
    input,
    output: outcome.output,
    title: outcome.title,
    metadata,
    time,
  }
  return outcome.state ? outcome.state(completed) : completed
}

/**
 * A tool: id, model-facing description, zod parameters and the function that runs it. A `Tool<P>`
 * is a `Tool`, so tools with different parameters share one list without casts: `execute` is a
 * method, whose arguments TypeScript compares both ways, and the processor parses the model's
 * arguments with `parameters` before calling it.
 */
export type Tool<P extends z.ZodType = z.ZodType> = {
  id: string
  description: string
  parameters: P
  execute(args: z.infer<P>, ctx: ToolContext): Promise<ToolOutcome>
}

export function defineTool<P extends z.ZodType>(tool: Tool<P>): Tool<P> {
  return tool
}
