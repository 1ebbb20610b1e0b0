import type { TaskInfo } from "./task-info"

/** What a take-over of dead owners' work did: sessions closed, tasks resumed, interrupted, delivered. */
export type RecoveryReport = {
  closed: string[]
  resumed: string[]
  interrupted: string[]
  /** Finished results handed to a parent that still exists. */
  delivered: string[]
}

/**
 * What to do with tasks taken over from a dead owner: an unfinished one is resumed while it has
 * attempts left (a queued one always), otherwise interrupted with the reason; a finished result
 * still pending is delivered, when its parent still exists.
 */
export function recoveryPlan(tasks: TaskInfo[], maxAttempts: number, parentExists: (sessionID: string) => boolean) {
  const plan = {
    resume: [] as TaskInfo[],
    interrupt: [] as { task: TaskInfo; reason: string }[],
    deliver: [] as TaskInfo[],
  }
  for (const task of tasks) {
    if (task.state === "queued" || (task.state === "running" && task.attempts < maxAttempts)) plan.resume.push(task)
    else if (task.state === "running")
      plan.interrupt.push({
        task,
        reason:
          `the process stopped while this task ran, ${task.attempts} time(s); it was not resumed again (max_attempts ${maxAttempts})` +
          (task.worktree ? `; what it changed, if anything, is kept on branch ${task.worktree.branch}` : ""),
      })
    else if (task.delivery === "pending" && parentExists(task.parentSessionID)) plan.deliver.push(task)
  }
  return plan
}
