/**
 * Calls `fn` at most once per `intervalMs`. A call inside the interval is postponed to its end,
 * and any number of such calls make one trailing call. `cancel` drops a postponed call.
 */
export class Throttle {
  private last = 0
  private trailing?: ReturnType<typeof setTimeout>

  constructor(
    private readonly intervalMs: number,
    private readonly fn: () => void,
  ) {}

  call() {
    const wait = this.last + this.intervalMs - Date.now()
    if (wait > 0) {
      this.trailing ??= setTimeout(() => {
        this.trailing = undefined
        this.call()
      }, wait)
      return
    }
    this.last = Date.now()
    this.fn()
  }

  cancel() {
    clearTimeout(this.trailing)
    this.trailing = undefined
  }
}
