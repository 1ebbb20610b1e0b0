import { afterAll, expect, test } from "bun:test"
import { testEngine } from "@tandem/testing/fixture"
import { gate, oneHeldChild } from "@tandem/testing/script"
import { TaskUpdated } from "@tandem/core/task/events"
import { renderLive } from "../src/render"
import { LOG_PROGRESS_MS, REDRAW_MS } from "../src/render-tasks"
import { fit } from "../src/screen"

// The live view of `tandem run` with a clock and a ticker of the test's own: the elapsed time of a
// running background task advances in the redrawn status area of a terminal, and as progress
// lines, at most one per task every LOG_PROGRESS_MS, in a log.

const held = gate()
const harness = testEngine({
  responder: oneHeldChild(held, "Slow job"),
})
afterAll(async () => {
  held.release()
  await harness.engine.close()
})

const plain = (text: string) => text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "")

/** A session whose background task is running, watched by renderLive with a fake clock and ticker. */
async function watched(tty: boolean) {
  const { engine } = harness
  const session = engine.store.createSession({ directory: harness.directory })
  let out = ""
  // Real time until the test takes over the clock.
  let clock: number | undefined
  const ticks: (() => void)[] = []
  const stop = renderLive(engine, session.id, {
    tty,
    write: (text) => (out += text),
    columns: () => 120,
    now: () => clock ?? Date.now(),
    every: (ms, fn) => {
      expect(ms).toBeLessThanOrEqual(REDRAW_MS)
      ticks.push(fn)
      return () => ticks.splice(ticks.indexOf(fn), 1)
    },
  })
  const running = engine.bus.once(
    TaskUpdated,
    (e) => e.task.state === "running" && e.task.parentSessionID === session.id,
  )
  await engine.runner.prompt(session.id, { parts: [{ type: "text", text: "go" }] })
  const { task } = await running
  const at = (ms: number) => {
    clock = task.time.started! + ms
    for (const tick of [...ticks]) tick()
  }
  return { at, stop, output: () => out, ticks }
}

test("on a terminal, the running task's line is redrawn in place each second with its elapsed time", async () => {
  const view = await watched(true)
  view.at(1000)
  expect(plain(view.output())).toContain("running   @general Slow job · 1.0s")
  const before = view.output().length
  view.at(2000)
  const redraw = view.output().slice(before)
  // Cursor up over the old status area, clear to the end, then the new line: no new lines pile up.
  expect(redraw).toMatch(/^\r\x1b\[\d+A\x1b\[J/)
  expect(plain(redraw)).toContain("Slow job · 2.0s")
  expect(plain(redraw).split("\n").filter(Boolean)).toHaveLength(1)
  view.stop()
  expect(view.ticks).toHaveLength(0)
  // Stopping clears the status area.
  expect(view.output()).toEndWith("\x1b[J")
})

test("in a log, a running task gets a fresh progress line every few seconds, without escape codes", async () => {
  const view = await watched(false)
  const progress = () => plain(view.output()).match(/running +@general Slow job · \d+\.\ds/g) ?? []
  const first = progress().length
  view.at(1000)
  view.at(LOG_PROGRESS_MS - 1)
  expect(progress()).toHaveLength(first)
  view.at(LOG_PROGRESS_MS + 500)
  expect(progress().at(-1)).toContain(`· ${((LOG_PROGRESS_MS + 500) / 1000).toFixed(1)}s`)
  expect(progress()).toHaveLength(first + 1)
  view.at(LOG_PROGRESS_MS + 1500)
  expect(progress()).toHaveLength(first + 1)
  view.at(2 * LOG_PROGRESS_MS + 600)
  expect(progress()).toHaveLength(first + 2)
  expect(view.output()).not.toContain("\x1b[J")
  expect(view.output()).not.toMatch(/\x1b\[\d+A/)
  view.stop()
})

test("status lines are cut to the terminal's width, keeping colour codes and wide characters whole", () => {
  expect(fit("short", 20)).toBe("short")
  const cut = fit("\x1b[36m◇ running\x1b[0m 漢字漢字漢字 description", 14)
  expect(Bun.stringWidth(cut)).toBeLessThanOrEqual(14)
  expect(plain(cut)).toBe("◇ running 漢…")
  expect(cut).toEndWith("\x1b[0m")
})
