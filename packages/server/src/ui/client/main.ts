/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/// <reference lib="dom.asynciterable" />
// The monitor page's script: loads a session's task tree from the routes, then keeps it live from
// `GET /event`. Bundled by Bun for the browser (see ../assets.ts).
import { api, routeURL, type Answer } from "./api"
import { byId, setText } from "./dom"
import { MonitorModel, type Snapshot } from "./model"
import { drawLegend, drawPermissions, drawUsage } from "./panels"
import { TaskTable } from "./table"
import { drawTimeline } from "./timeline"
import type { MonitorEvent, PermissionReply, PermissionRequest, RolledUsage } from "./types"

/** The timeline and usage are redrawn at most this often; rows update on every frame. */
const SUMMARY_MS = 250
/** How often the server's rolled-up usage is asked for again while things change. */
const USAGE_MS = 1000
/** Wait before opening the event stream again once the browser gave up on it. */
const RECONNECT_MS = 2000
/** How many transcripts are read at once when a page opens mid-run. */
const SEED_CONCURRENCY = 4

const main = byId("monitor")
const rootID = main.dataset.session!
const model = new MonitorModel(rootID)
const table = new TaskTable(byId<HTMLTableSectionElement>("tasks"), byId("no-tasks"), model, {
  cancel: async (taskID) => {
    const answer = await api.cancel(taskID)
    if (answer.ok) apply({ type: "task.updated", properties: { task: answer.data } })
    return answer
  },
  steer: (taskID, text) => api.steer(taskID, text),
})
const timeline = byId("timeline") as unknown as SVGSVGElement
const axis = { start: byId("timeline-start"), end: byId("timeline-end") }

/** The server's rolled-up usage: unknown until asked, "missing" where the route is not served. */
let serverUsage: RolledUsage | "missing" | undefined
let usageTimer: ReturnType<typeof setTimeout> | undefined
let frame = 0
let summaryDrawn = 0
let summaryTimer: ReturnType<typeof setTimeout> | undefined

function setLive(state: "connecting" | "live" | "reconnecting" | "failed", text: string) {
  const badge = byId("live")
  badge.dataset.state = state
  setText(badge, text)
  main.dataset.live = String(state === "live")
}

function apply(event: MonitorEvent) {
  model.apply(event)
  schedule()
}

function schedule() {
  frame ||= requestAnimationFrame(flush)
}

function flush() {
  frame = 0
  const dirty = model.takeDirty()
  const now = Date.now()
  table.draw(dirty, now)
  if (dirty.permissions || dirty.structure) drawPermissions(byId("permission-list"), model, answerPermission)
  if (dirty.header) drawHeader()
  if (dirty.tasks.size || dirty.structure || dirty.header) drawSummary()
}

async function answerPermission(request: PermissionRequest, reply: PermissionReply) {
  const answer = await api.reply(request.id, reply)
  if (answer.ok)
    apply({ type: "permission.replied", properties: { sessionID: request.sessionID, requestID: request.id, reply } })
  return answer
}

function drawHeader() {
  const title = model.root?.title ?? rootID
  setText(byId("session-title"), title)
  document.title = `${title} · Tandem monitor`
  const status = byId("session-status")
  const state = model.deleted ? "deleted" : model.status
  status.dataset.state = state
  setText(status, state)
}

/** Timeline, legend and usage: throttled, as they redraw the whole tree. */
function drawSummary() {
  const wait = summaryDrawn + SUMMARY_MS - Date.now()
  if (wait > 0) {
    summaryTimer ??= setTimeout(() => {
      summaryTimer = undefined
      drawSummary()
    }, wait)
    return
  }
  summaryDrawn = Date.now()
  drawTimeline(
    timeline,
    axis,
    model.order().map((row) => row.task),
    summaryDrawn,
  )
  drawLegend(byId("legend"), model)
  if (serverUsage === "missing" || serverUsage === undefined) drawUsage(byId("usage"), model.summedUsage(), false)
  else askUsage()
}

/** Asks the server for the rolled-up usage again, at most every USAGE_MS. */
function askUsage() {
  usageTimer ??= setTimeout(async () => {
    const answer = await api.usage(rootID)
    usageTimer = undefined
    if (answer.ok) {
      serverUsage = answer.data
      drawUsage(byId("usage"), answer.data, true)
    } else if (answer.status === 404) {
      serverUsage = "missing"
      drawUsage(byId("usage"), model.summedUsage(), false)
    }
  }, USAGE_MS)
}

/** What the first draw needs; nested tasks and mid-run figures follow (see `complete`). */
async function snapshot(): Promise<Answer<Snapshot>> {
  const [root, tasks, permissions, usage] = await Promise.all([
    api.session(rootID),
    api.tasks(rootID),
    api.permissions(),
    api.usage(rootID),
  ])
  if (!root.ok) return root
  if (!tasks.ok) return tasks
  serverUsage = usage.ok ? usage.data : usage.status === 404 ? "missing" : undefined
  if (usage.ok) drawUsage(byId("usage"), usage.data, true)
  return {
    ok: true,
    data: { root: root.data, tasks: tasks.data, permissions: permissions.ok ? permissions.data : [] },
  }
}

/** After the first draw: tasks nested below the root's own, then running tasks' figures so far. */
async function complete(current: () => boolean) {
  const all = await api.tree(rootID)
  if (!current()) return
  if (all.ok) {
    model.adopt(all.data)
    schedule()
  }
  await seedRunning(current)
}

/** Fills in the steps and current tool of tasks already running, from their children's transcripts. */
async function seedRunning(current: () => boolean) {
  const queue = [...model.tasks.values()].filter((task) => task.state === "running")
  const worker = async () => {
    for (let task = queue.shift(); task && current(); task = queue.shift()) {
      const answer = await api.messages(task.sessionID)
      if (!answer.ok || !current()) continue
      model.seed(task.id, answer.data)
      schedule()
    }
  }
  await Promise.all(Array.from({ length: SEED_CONCURRENCY }, worker))
}

/**
 * Opens the event stream, and on each `server.connected` (first connect and every reconnect)
 * loads a fresh snapshot. Events that arrive meanwhile are held and applied after it; the model
 * never moves a task back, so one that the snapshot already reflects does no harm.
 */
function connect() {
  setLive("connecting", "connecting…")
  const source = new EventSource(routeURL("/event"))
  let held: MonitorEvent[] | undefined = []
  let generation = 0
  source.onmessage = async (message) => {
    const event = JSON.parse(message.data) as MonitorEvent
    if (event.type !== "server.connected") {
      if (held) held.push(event)
      else apply(event)
      return
    }
    const mine = ++generation
    held = []
    const loaded = await snapshot()
    if (mine !== generation) return
    if (!loaded.ok) {
      source.close()
      setLive("failed", `could not load the session: ${loaded.message}`)
      return
    }
    model.reset(loaded.data)
    for (const event of held) model.apply(event)
    held = undefined
    setLive("live", "live")
    schedule()
    await complete(() => mine === generation)
  }
  source.onerror = () => {
    if (source.readyState !== EventSource.CLOSED) return setLive("reconnecting", "reconnecting…")
    setLive("reconnecting", "disconnected, retrying…")
    setTimeout(connect, RECONNECT_MS)
  }
}

setInterval(() => {
  const now = Date.now()
  table.tick(now)
  if ([...model.tasks.values()].some((task) => task.state === "running" || task.state === "queued")) drawSummary()
}, 1000)
connect()
