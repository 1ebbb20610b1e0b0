import { afterAll, beforeAll, expect, test } from "bun:test"
import type { Page } from "puppeteer-core"
import { launchBrowser, type TestBrowser } from "@tandem/testing/browser"
import { startMonitorFanout, type MonitorFanout } from "@tandem/testing/monitor-fanout"

// The task monitor in a real Chromium (the one @sparticuz/chromium ships in its npm package),
// against a real server with a password, during a background fan-out on the scripted model.

const PASSWORD = "monitor-password"
const CHILDREN = {
  survey: "Survey the storage layer",
  notes: "Draft the migration notes",
  flaky: "Chase the flaky test",
  release: "Tag the release",
}
const STEERING = "Also cover the rollback path"

let browser: TestBrowser
let fanout: MonitorFanout
let page: Page
const problems: string[] = []
let navigations = 0

const ids = () => Object.fromEntries(Object.keys(CHILDREN).map((key) => [key, fanout.task(key)!.id]))

/** Waits until the row of a task shows `state`, as the page renders it. */
const rowState = (taskID: string, state: string) =>
  page.waitForFunction(
    (id, want) => document.querySelector<HTMLElement>(`tr[data-task="${id}"]`)?.dataset.state === want,
    { polling: "mutation" },
    taskID,
    state,
  )

/**
 * The element among `selector` whose accessible name, as Chromium computes it for assistive
 * technology, is `name`. (Puppeteer's `::-p-aria` selector does not run under Bun's test runner.)
 */
async function named(selector: string, name: string) {
  for (const handle of await page.$$(selector)) {
    const node = await page.accessibility.snapshot({ root: handle, interestingOnly: false })
    if (node?.name === name) return handle
  }
  throw new Error(`no ${selector} named "${name}"`)
}

/** Records the page's console errors and uncaught errors in `problems`. */
function watched(opened: Page) {
  opened.on("console", (message) => {
    if (message.type() === "error") problems.push(`console error: ${message.text()} at ${message.location().url}`)
  })
  opened.on("pageerror", (error) => problems.push(`page error: ${error instanceof Error ? error.message : error}`))
  return opened
}

beforeAll(async () => {
  browser = await launchBrowser()
  fanout = await startMonitorFanout({
    title: "Release prep",
    password: PASSWORD,
    config: { permission: { bash: { "*": "allow", "touch *": "ask" } } },
    children: [
      { key: "survey", description: CHILDREN.survey, tool: { name: "glob", input: { pattern: "*" } } },
      { key: "notes", description: CHILDREN.notes },
      { key: "flaky", description: CHILDREN.flaky },
      {
        key: "release",
        description: CHILDREN.release,
        tool: { name: "bash", input: { command: "touch RELEASE", description: "Mark the release" } },
        held: false,
      },
    ],
  })
  await fanout.until((tasks) => tasks.length === 4 && tasks.every((task) => task.state === "running"))
  page = watched(await browser.browser.newPage())
  page.on("framenavigated", (frame) => {
    if (frame === page.mainFrame()) navigations++
  })
  await page.authenticate({ username: "tandem", password: PASSWORD })
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await fanout?.stop()
})

test("the page loads behind the password and shows the running fan-out live", async () => {
  expect((await fetch(`${fanout.url}/ui/session/${fanout.sessionID}`)).status).toBe(401)
  const response = await page.goto(`${fanout.url}/ui/session/${fanout.sessionID}`)
  expect(response?.status()).toBe(200)
  await page.waitForFunction(
    () =>
      document.querySelector("main")?.dataset.live === "true" &&
      [...document.querySelectorAll<HTMLElement>("tbody#tasks tr")].filter((tr) => tr.dataset.state === "running")
        .length === 4,
    { polling: "mutation" },
  )
  const rows = await page.$$eval("tbody#tasks tr", (trs) =>
    trs.map((tr) => ({
      description: tr.querySelector("td.task a")?.textContent,
      agent: tr.querySelector("td.agent")?.textContent,
      model: tr.querySelector("td.model")?.textContent,
    })),
  )
  expect(rows.map((row) => row.description)).toEqual(Object.values(CHILDREN))
  expect(rows.every((row) => row.agent === "general" && row.model === "local/scripted")).toBe(true)
  // The child that asked for bash shows it as its current tool; its request is on the page.
  const { release } = ids()
  // A child shows as running before its first model call, so on a slow machine the call and the
  // request can arrive after the page has loaded: they must then appear without a reload.
  await page.waitForFunction(
    (id) =>
      document.querySelector(`tr[data-task="${id}"] td.tool`)?.textContent === "bash" &&
      document.querySelector("#permission-list")?.textContent?.includes("touch RELEASE"),
    { polling: "mutation" },
    release,
  )
  // Elapsed time ticks for running tasks without any event.
  const before = await page.$eval(`tr[data-task="${release}"] td.elapsed`, (td) => td.textContent)
  await page.waitForFunction(
    (id, was) => document.querySelector(`tr[data-task="${id}"] td.elapsed`)?.textContent !== was,
    {},
    release,
    before,
  )
}, 30_000)

test("a permission request is answered from the page", async () => {
  await (await named("#permission-list button", "Allow once: bash")).click()
  await rowState(ids().release!, "completed")
  await page.waitForFunction(() => document.querySelectorAll("#permission-list li").length === 0)
  expect(fanout.task("release")?.state).toBe("completed")
}, 20_000)

test("the Cancel button cancels a running task", async () => {
  await (await named("tbody#tasks button", `Cancel ${CHILDREN.flaky}`)).click()
  await rowState(ids().flaky!, "cancelled")
  expect(fanout.task("flaky")?.state).toBe("cancelled")
  expect(await page.$(`tr[data-task="${ids().flaky}"] button.cancel`)).toBeNull()
}, 20_000)

test("a steering message is posted to the task's message route", async () => {
  const { notes } = ids()
  const route = `${fanout.url}/task/${notes}/message`
  await (await named("tbody#tasks input", `Steering message for ${CHILDREN.notes}`)).type(STEERING)
  const send = await named("tbody#tasks button", `Send to ${CHILDREN.notes}`)
  const [request, response] = await Promise.all([
    page.waitForRequest((r) => r.method() === "POST" && r.url() === route),
    page.waitForResponse((r) => r.request().method() === "POST" && r.url() === route),
    send.click(),
  ])
  expect(JSON.parse(request.postData() ?? "")).toEqual({ text: STEERING })
  expect(response.status()).toBe(200)
  const expected = "Sent"
  await page.waitForFunction(
    (id, text) => document.querySelector(`tr[data-task="${id}"] .note`)?.textContent?.includes(text),
    { polling: "mutation" },
    notes,
    expected,
  )
}, 20_000)

test("rows go from running to completed without a reload; usage and timeline follow", async () => {
  const { survey, notes } = ids()
  fanout.release("survey")
  fanout.release("notes")
  await rowState(survey!, "completed")
  await rowState(notes!, "completed")
  expect(navigations).toBe(1)
  // The steered child read the message sent from the page before its last model call.
  const notesCalls = fanout.model.calls.filter((call) => call.messages[0]?.text === "CHILD notes")
  expect(
    notesCalls
      .at(-1)
      ?.messages.filter((m) => m.role === "user")
      .map((m) => m.text),
  ).toEqual(["CHILD notes", STEERING])
  const steps = await page.$eval(`tr[data-task="${survey}"] td.steps`, (td) => td.textContent)
  expect(Number(steps)).toBe(2)
  await page.waitForFunction(
    () => {
      const figures = [...document.querySelectorAll("#usage dd")].map((dd) => dd.textContent)
      return figures[0] !== "$0" && figures.at(-1) === "0"
    },
    { polling: "mutation" },
  )
  // The figures are the server's roll-up over the whole tree, not the page's own sum. The parent
  // takes a turn after each delivery, so the roll-up can still grow: wait until page and server agree.
  expect(await page.$eval("#usage", (section) => section.textContent ?? "")).not.toContain("no usage route")
  await page.waitForFunction(
    async (route) => {
      const tree = (await (await fetch(route)).json()) as { tokens: { input: number } }
      return document.querySelector("#usage")?.textContent?.includes(tree.tokens.input.toLocaleString("en-US"))
    },
    { polling: 100 },
    `${fanout.url}/session/${fanout.sessionID}/usage`,
  )
  await page.waitForFunction(() => document.querySelectorAll("svg#timeline g.bar.completed").length === 3)
  const timeline = await page.$eval("svg#timeline", (svg) => ({
    role: svg.getAttribute("role"),
    label: svg.getAttribute("aria-label"),
    bars: [...svg.querySelectorAll("g.bar")].map((g) => g.getAttribute("class")),
  }))
  expect(timeline.role).toBe("img")
  expect(timeline.label).toContain("Timeline of 4 tasks")
  expect(timeline.bars).toEqual(["bar completed", "bar completed", "bar cancelled", "bar completed"])
}, 20_000)

test("a user who logs in with the password in the address gets the live page too", async () => {
  // A fresh context holds no credentials: the page has only what its own address carries.
  const context = await browser.browser.createBrowserContext()
  const own = watched(await context.newPage())
  const address = new URL(`/ui/session/${fanout.sessionID}`, fanout.url)
  address.username = "tandem"
  address.password = PASSWORD
  expect((await own.goto(address.href))?.status()).toBe(200)
  // The badge says "live" once the routes and the event stream answered, or why they did not.
  await own.waitForFunction(
    () => ["live", "failed"].includes(document.querySelector<HTMLElement>("#live")!.dataset.state!),
    {
      polling: "mutation",
    },
  )
  expect(await own.$eval("#live", (badge) => badge.textContent)).toBe("live")
  await own.waitForFunction(
    (count) => document.querySelectorAll("tbody#tasks tr").length === count,
    { polling: "mutation" },
    Object.keys(CHILDREN).length,
  )
  expect(await own.$eval("#usage", (section) => section.textContent ?? "")).toMatch(/\$\d/)
  await context.close()
}, 20_000)

test("no console errors and no page errors", () => {
  expect(problems).toEqual([])
})
