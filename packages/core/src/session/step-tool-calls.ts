import { ascending } from "../id/id"
import { fail, outcomeState, type Tool, type ToolContext, type ToolOutcome } from "../tool/tool"
import { closeToolPart } from "./close-tool-part"
import type { ToolPart } from "./message"
import type { Store } from "./store"

/**
 * The tool calls of one step: each call's part from pending through running to completed or
 * error, and the runs of their tools, which go on while the model's stream continues.
 */
export class StepToolCalls {
  private parts = new Map<string, ToolPart>()
  private running: Promise<void>[] = []

  constructor(
    private readonly input: {
      store: Store
      sessionID: string
      messageID: string
      tools: Tool[]
      /** Builds a tool's context; `progress` updates the running part (title, metadata) live. */
      context(part: ToolPart, progress: ToolContext["progress"]): ToolContext
      /** Awaited before each tool runs, with the tool's id (the step's snapshot of the files); must not reject. */
      beforeRun?(tool: string): Promise<void>
    },
  ) {}

  /** The part of a call, written as pending when the call is first seen. */
  part(callID: string, tool: string): ToolPart {
    const existing = this.parts.get(callID)
    if (existing) return existing
    const { sessionID, messageID } = this.input
    const part: ToolPart = {
      sessionID,
      messageID,
      id: ascending("part"),
      type: "tool",
      callID,
      tool,
      state: { status: "pending", input: {}, raw: "" },
    }
    return this.save(part)
  }

  /** Ends a call whose arguments its tool refused; the model sees the reason. */
  refuse(part: ToolPart, args: unknown, reason: string) {
    const now = Date.now()
    const input = typeof args === "object" && args !== null ? (args as Record<string, unknown>) : {}
    this.save({
      ...part,
      state: { status: "error", input, error: `invalid tool call: ${reason}`, time: { start: now, end: now } },
    })
  }

  /** Runs the call's tool; `finished` waits for every started run. */
  start(part: ToolPart, args: Record<string, unknown>) {
    this.running.push(this.execute(part, args))
  }

  /** Resolves once every started tool has finished; rejects if writing a result failed. */
  finished() {
    return Promise.all(this.running)
  }

  /** Resolves once every started tool has finished or failed. */
  settled() {
    return Promise.allSettled(this.running)
  }

  /** Closes every call that did not finish, with the reason the step gives. */
  closeUnfinished(reason: string) {
    const now = Date.now()
    for (const part of this.parts.values()) {
      const closed = closeToolPart(part, reason, now)
      if (closed) this.save(closed)
    }
  }

  private save(part: ToolPart) {
    this.parts.set(part.callID, part)
    this.input.store.upsertPart(part)
    return part
  }

  private async execute(part: ToolPart, args: Record<string, unknown>) {
    const tool = this.input.tools.find((candidate) => candidate.id === part.tool)!
    const start = Date.now()
    const running = this.save({ ...part, state: { status: "running", input: args, time: { start } } })
    const progress: ToolContext["progress"] = (update) => {
      const current = this.parts.get(part.callID)
      if (current?.state.status !== "running") return
      this.save({
        ...current,
        state: {
          ...current.state,
          title: update.title ?? current.state.title,
          metadata: { ...current.state.metadata, ...update.metadata },
        },
      })
    }
    await this.input.beforeRun?.(part.tool)
    const outcome: ToolOutcome = await tool
      .execute(args, this.input.context(running, progress))
      .catch((thrown: unknown) =>
        fail(`tool ${part.tool} crashed: ${thrown instanceof Error ? thrown.message : String(thrown)}`),
      )
    const current = this.parts.get(part.callID) ?? running
    const metadata = current.state.status === "running" ? current.state.metadata : undefined
    this.save({ ...part, state: outcomeState(outcome, { input: args, metadata, start }) })
  }
}
