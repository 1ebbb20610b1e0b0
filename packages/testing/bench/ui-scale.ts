// The task monitor at scale: a session with TASKS background tasks (default 500), opened in the
// packaged Chromium. Measures how long the page takes to render every row (page clock, from
// navigation start, median of RUNS loads) and how fast it reflects live updates afterwards.
//   sh scripts/bun packages/testing/bench/ui-scale.ts
import { TaskUpdated } from "@tandem/core/task/events"
import { launchBrowser } from "../src/browser"
import { startMonitorFanout } from "../src/monitor-fanout"
import { quantile } from "./stats"

const TASKS = Number(process.env.TASKS ?? 500)
const RUNS = Number(process.env.RUNS ?? 5)

const children = Array.from({ length: TASKS }, (_, i) => ({ key: String(i), description: `Scale child ${i}` }))
const dispatched = performance.now()
const fanout = await startMonitorFanout({ title: `${TASKS} tasks`, children })
await fanout.until((tasks) => tasks.length === TASKS)
const running = fanout.tasks().filter((task) => task.state === "running").length
console.log(
  `${TASKS} tasks dispatched in ${(performance.now() - dispatched).toFixed(0)} ms (${running} running, the rest queued)`,
)

const browser = await launchBrowser()
const page = await browser.browser.newPage()
const errors: string[] = []
page.on("pageerror", (error) => errors.push(String(error)))

/**
 * Loads the page. Page clock from navigation start: when every row is in the table and the
 * stream is live, and when the frame after that has been laid out and painted (an upper bound:
 * the next frame after puppeteer asks).
 */
async function load() {
  await page.goto(`${fanout.url}/ui/session/${fanout.sessionID}`, { waitUntil: "domcontentloaded" })
  const handle = await page.waitForFunction(
    (n) =>
      document.querySelector("main")?.dataset.live === "true" &&
      document.querySelectorAll("tbody#tasks tr").length === n &&
      performance.now(),
    { polling: "mutation", timeout: 60_000 },
    TASKS,
  )
  const rows = (await handle.jsonValue()) as number
  const painted = await page.evaluate(
    () => new Promise<number>((resolve) => requestAnimationFrame(() => setTimeout(() => resolve(performance.now())))),
  )
  return { rows, painted }
}

const loads: { rows: number; painted: number }[] = []
for (let run = 0; run < RUNS; run++) loads.push(await load())
const summary = (values: number[]) =>
  `median ${quantile(values, 0.5).toFixed(0)} ms (runs: ${values.map((ms) => ms.toFixed(0)).join(", ")})`
console.log(`${TASKS} rows in the table, from navigation start: ${summary(loads.map((load) => load.rows))}`)
console.log(`${TASKS} rows laid out and painted: ${summary(loads.map((load) => load.painted))}`)

/**
 * Milliseconds from `act` until the page shows the task in `state`, and from the engine's
 * `task.updated` for it (the event leaving the bus) until then. The page stamps the moment
 * itself (a mutation observer on the row), so the time puppeteer takes to notice is left out.
 */
async function reflected(taskID: string, state: string, act: () => unknown) {
  await page.evaluate(
    (id, want) => {
      const row = document.querySelector<HTMLElement>(`tr[data-task="${id}"]`)!
      const observer = new MutationObserver(() => {
        if (row.dataset.state !== want) return
        row.dataset.seenAt = String(Date.now())
        observer.disconnect()
      })
      observer.observe(row, { attributes: true, attributeFilter: ["data-state"] })
    },
    taskID,
    state,
  )
  const published = fanout.engine.bus
    .once(TaskUpdated, (event) => event.task.id === taskID && event.task.state === state)
    .then(() => Date.now())
  const start = Date.now()
  await act()
  const stamp = await page.waitForFunction(
    (id) => document.querySelector<HTMLElement>(`tr[data-task="${id}"]`)?.dataset.seenAt,
    { polling: "mutation", timeout: 30_000 },
    taskID,
  )
  const shown = Number(await stamp.jsonValue())
  return { total: shown - start, afterEvent: shown - (await published) }
}

const first = fanout.tasks().find((task) => task.state === "running")!
const completed = await reflected(first.id, "completed", () => fanout.release(first.prompt.replace("CHILD ", "")))
const queued = fanout.tasks().findLast((task) => task.state === "queued")!
const cancelled = await reflected(queued.id, "cancelled", () =>
  fetch(`${fanout.url}/task/${queued.id}/cancel`, { method: "POST" }),
)
const ms = (n: number) => `${n.toFixed(0)} ms`
console.log(
  `live with ${TASKS} rows: a released child shown completed ${ms(completed.total)} after the release, ${ms(completed.afterEvent)} after its task.updated; ` +
    `a cancel from the API shown ${ms(cancelled.total)} after the request, ${ms(cancelled.afterEvent)} after its task.updated`,
)

const metrics = await page.metrics()
console.log(
  `page: ${metrics.Nodes} DOM nodes, ${((metrics.JSHeapUsedSize ?? 0) / 1e6).toFixed(1)} MB JS heap, ${errors.length} page errors`,
)
await browser.close()
await fanout.stop()
