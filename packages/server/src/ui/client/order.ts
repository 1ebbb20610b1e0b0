import type { TaskRow } from "./types"

const SPAN = 0x1000000000000n

/**
 * When an id was made, as a number that grows with creation, also within one millisecond: a task
 * is named by its child session, whose id sorts newest first (the complement of the creation
 * value), and older tasks by a `tsk_` id that sorts oldest first. Other ids give undefined.
 */
export function creationValue(id: string): bigint | undefined {
  const match = /^(ses|tsk)_([0-9a-f]{12})/.exec(id)
  if (!match) return undefined
  const value = BigInt(`0x${match[2]}`)
  return match[1] === "ses" ? SPAN - 1n - value : value
}

/** Tasks in the order they were created: by creation time, then by the creation value of their ids. */
export function byCreation(a: TaskRow, b: TaskRow) {
  if (a.time.created !== b.time.created) return a.time.created - b.time.created
  const [x, y] = [creationValue(a.id), creationValue(b.id)]
  if (x !== undefined && y !== undefined && x !== y) return x < y ? -1 : 1
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0
}
