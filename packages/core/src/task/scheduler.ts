/** Concurrency caps; 0 or Infinity means no cap. */
export type Caps = { global: number; perParent: number; perModel: number }

type Entry = { id: string; parent: string; model: string }

/**
 * Admission for background tasks: FIFO, but a task waits only for the caps that bind it, so a
 * parent at its cap does not hold back another parent's tasks. Every terminal state must call
 * `release`, which frees the slot and admits whoever fits next.
 */
export class Scheduler {
  private queue: Entry[] = []
  private running = new Map<string, Entry>()
  private perParent = new Map<string, number>()
  private perModel = new Map<string, number>()

  constructor(
    private caps: Caps,
    private start: (id: string) => void,
  ) {}

  enqueue(entry: Entry) {
    this.queue.push(entry)
    this.pump()
  }

  /** Counts a task that is already running (adopted from the foreground) without admission. */
  occupy(entry: Entry) {
    this.running.set(entry.id, entry)
    this.bump(this.perParent, entry.parent, 1)
    this.bump(this.perModel, entry.model, 1)
  }

  /** Ids of every task queued or holding a slot. */
  ids() {
    return [...this.queue.map((entry) => entry.id), ...this.running.keys()]
  }

  /** Frees the slot of a running task, or drops a queued one. Idempotent. */
  release(id: string) {
    const index = this.queue.findIndex((entry) => entry.id === id)
    if (index >= 0) this.queue.splice(index, 1)
    const entry = this.running.get(id)
    if (entry) {
      this.running.delete(id)
      this.bump(this.perParent, entry.parent, -1)
      this.bump(this.perModel, entry.model, -1)
    }
    this.pump()
  }

  /** Figures for status displays and tests. */
  stats() {
    return { running: this.running.size, queued: this.queue.length }
  }

  isQueued(id: string) {
    return this.queue.some((entry) => entry.id === id)
  }

  private fits(entry: Entry) {
    return (
      below(this.running.size, this.caps.global) &&
      below(this.perParent.get(entry.parent) ?? 0, this.caps.perParent) &&
      below(this.perModel.get(entry.model) ?? 0, this.caps.perModel)
    )
  }

  private pump() {
    for (let i = 0; i < this.queue.length && below(this.running.size, this.caps.global);) {
      const entry = this.queue[i]!
      if (!this.fits(entry)) {
        i++
        continue
      }
      this.queue.splice(i, 1)
      this.running.set(entry.id, entry)
      this.bump(this.perParent, entry.parent, 1)
      this.bump(this.perModel, entry.model, 1)
      this.start(entry.id)
    }
  }

  private bump(map: Map<string, number>, key: string, by: number) {
    const next = (map.get(key) ?? 0) + by
    if (next <= 0) map.delete(key)
    else map.set(key, next)
  }
}

function below(count: number, cap: number) {
  return !cap || count < cap
}
