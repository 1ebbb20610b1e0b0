/**
 * Wakes whoever waits on a key (a session id) when something about it changed, so the waiter
 * checks its condition again. Not a queue: a notify with nobody waiting is dropped, so a waiter
 * checks its condition before it waits, in a loop.
 */
export class ChangeSignal {
  private waiters = new Map<string, (() => void)[]>()

  /** Resolves at the next `notify(key)`. */
  next(key: string) {
    return new Promise<void>((resolve) => {
      const list = this.waiters.get(key) ?? []
      list.push(resolve)
      this.waiters.set(key, list)
    })
  }

  /** Wakes every waiter of `key`. */
  notify(key: string) {
    const list = this.waiters.get(key)
    if (!list) return
    this.waiters.delete(key)
    for (const resolve of list) resolve()
  }
}
