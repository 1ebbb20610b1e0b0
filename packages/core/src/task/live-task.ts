import type { z } from "zod"
import { addTokens, emptyTokens, type Part } from "../session/message"
import type { TaskProgress } from "./events"
import type { TaskInfo, TaskUsage } from "./task-info"
import type { TaskStop } from "./task-outcome"
import { allInput } from "../session/step-usage"

/** A running task's figures, kept in memory while it runs; the ledger holds what must survive. */
export class LiveTask {
  steps = 0
  toolCalls = 0
  tool?: string
  tokens = emptyTokens()
  cost = 0
  lastActivity = Date.now()
  /** Set when a cancel or a budget ends the task: the state and reason it ends with. */
  stop?: TaskStop
  /** Set when another process took the task over: the run stops and writes nothing more. */
  lost = false
  private seenTools = new Set<string>()

  constructor(readonly task: TaskInfo) {}

  /** Counts a part the child wrote: a finished step adds its tokens and cost; a tool call counts once, when it starts running. */
  record(part: Part) {
    this.lastActivity = Date.now()
    if (part.type === "step-finish") {
      this.steps++
      this.tokens = addTokens(this.tokens, part.tokens)
      this.cost += part.cost
    }
    if (part.type === "tool" && part.state.status === "running" && !this.seenTools.has(part.id)) {
      this.seenTools.add(part.id)
      this.toolCalls++
      this.tool = part.tool
    }
  }

  /** Input (cached or not) and output tokens spent so far, as the token budget counts them. */
  spentTokens() {
    return allInput(this.tokens) + this.tokens.output
  }

  usage(): TaskUsage {
    return { tokens: this.tokens, cost: this.cost, steps: this.steps }
  }

  /** The `task.progress` event of these figures. */
  progress(): z.infer<typeof TaskProgress.schema> {
    return {
      taskID: this.task.id,
      sessionID: this.task.sessionID,
      parentSessionID: this.task.parentSessionID,
      steps: this.steps,
      toolCalls: this.toolCalls,
      tool: this.tool,
      tokens: this.tokens,
      lastActivity: this.lastActivity,
    }
  }
}
