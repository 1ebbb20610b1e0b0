// Takes docs/monitor.png: the task monitor during a fan-out with tasks in every state, a tool
// running, a permission request waiting, and two tasks queued behind the per-session cap.
//   sh scripts/bun packages/testing/bench/ui-screenshot.ts [out.png]
import path from "node:path"
import { PermissionAsked } from "@tandem/core/permission/permission"
import { launchBrowser } from "../src/browser"
import { startMonitorFanout } from "../src/monitor-fanout"

const out = process.argv[2] ?? path.resolve(import.meta.dir, "../../../docs/monitor.png")

const fanout = await startMonitorFanout({
  title: "Prepare the 0.9 release",
  config: {
    permission: { bash: { "*": "allow", "git tag *": "ask" } },
    tandem: { background: { max_running_per_session: 5 }, retry: { attempts: 1 } },
  },
  children: [
    { key: "map", description: "Map the session store's write paths", tool: { name: "glob", input: { pattern: "*" } } },
    { key: "audit", description: "Audit permission rules for bash", usage: { input: 5200, output: 910 } },
    { key: "errors", description: "Summarise provider error shapes", held: false, fails: true },
    { key: "flaky", description: "Reproduce the flaky reconnect test" },
    {
      key: "profile",
      description: "Profile the scheduler under load",
      tool: { name: "bash", input: { command: "sleep 60", description: "Run the load profile" } },
    },
    { key: "docs", description: "Draft docs for task steering", tool: { name: "glob", input: { pattern: "*.json" } } },
    { key: "order", description: "Check delivery order across restarts" },
    {
      key: "tag",
      description: "Tag the release candidate",
      agent: "general",
      tool: { name: "bash", input: { command: "git tag v0.9.0-rc1", description: "Tag the candidate" } },
    },
    { key: "bench", description: "Compare fan-out figures with 0.8" },
    { key: "changelog", description: "Write the changelog" },
    { key: "notes", description: "Collect upgrade notes" },
  ],
})

const running = (key: string) => fanout.task(key)?.state === "running"
await fanout.until(() => ["map", "audit", "flaky", "profile"].every(running) && !!fanout.task("errors")?.time.ended)
fanout.release("map")
fanout.release("audit")
await fanout.until(() => fanout.task("map")?.state === "completed" && fanout.task("audit")?.state === "completed")
const headers = fanout.authorization ? { authorization: fanout.authorization } : undefined
await fetch(`${fanout.url}/task/${fanout.task("flaky")!.id}/cancel`, { method: "POST", headers })
await fanout.until(() => ["profile", "docs", "order", "tag", "bench"].every(running))
if (!fanout.engine.permissions.list().length) await fanout.engine.bus.once(PermissionAsked)

const browser = await launchBrowser({ width: 1360, height: 900 })
const page = await browser.browser.newPage()
await page.goto(`${fanout.url}/ui/session/${fanout.sessionID}`)
await page.waitForFunction(
  () =>
    document.querySelector("main")?.dataset.live === "true" &&
    document.querySelectorAll("tbody#tasks tr").length === 11 &&
    document.querySelectorAll("#timeline g").length === 11 &&
    document.querySelectorAll("#permission-list li").length === 1,
)
await page.screenshot({ path: out as `${string}.png`, fullPage: true })
console.log(`wrote ${out}`)
await browser.close()
await fanout.stop()
