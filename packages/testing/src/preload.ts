// Test isolation: every test run gets its own temporary data, config and state directories and no
// provider API keys, so nothing on the developer's machine leaks in and nothing leaks out.
import { mkdtempSync, rmSync } from "node:fs"
import os from "node:os"
import path from "node:path"
import { afterAll, setDefaultTimeout } from "bun:test"

const root = mkdtempSync(path.join(os.tmpdir(), "tandem-test-"))
process.env.XDG_DATA_HOME = path.join(root, "data")
process.env.XDG_CONFIG_HOME = path.join(root, "config")
process.env.XDG_STATE_HOME = path.join(root, "state")
process.env.XDG_CACHE_HOME = path.join(root, "cache")
for (const key of Object.keys(process.env)) {
  if (/(_API_KEY|_AUTH_TOKEN)$/.test(key) || key === "TANDEM_SERVER_PASSWORD" || key.startsWith("OPENCODE_"))
    delete process.env[key]
}

// Process and browser tests on a 2-core machine that is busy with other work can take longer than
// the runner's 5 s default; a test that hangs still fails, after 30 s.
setDefaultTimeout(30_000)

afterAll(() => {
  rmSync(root, { recursive: true, force: true })
})
