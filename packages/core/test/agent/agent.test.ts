import { expect, test } from "bun:test"
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs"
import os from "node:os"
import path from "node:path"
import { loadAgents } from "../../src/agent/agent"
import { parseFrontmatter } from "../../src/agent/frontmatter"

test("frontmatter: scalars, nested maps and the body", () => {
  const parsed = parseFrontmatter(
    "---\ndescription: Reviews code\nmode: subagent\ntemperature: 0.1\ntools:\n  write: false\n  edit: false\n---\nYou review.\n",
  )
  expect(parsed.data).toEqual({
    description: "Reviews code",
    mode: "subagent",
    temperature: 0.1,
    tools: { write: false, edit: false },
  })
  expect(parsed.body).toBe("You review.")
})

test("built-ins, config agents and .opencode/agent files; plan cannot edit", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "tandem-agent-"))
  mkdirSync(path.join(dir, ".opencode", "agent"), { recursive: true })
  writeFileSync(
    path.join(dir, ".opencode", "agent", "reviewer.md"),
    "---\ndescription: Reviews\nmode: subagent\n---\nReview carefully.",
  )
  const agents = loadAgents(
    { agent: { docs: { description: "Writes docs", mode: "subagent" }, general: { disable: true } } },
    dir,
  )
  expect([...agents.keys()].sort()).toEqual(["build", "docs", "plan", "reviewer"])
  expect(agents.get("reviewer")).toMatchObject({ mode: "subagent", prompt: "Review carefully.", builtIn: false })
  expect(agents.get("plan")?.permission).toMatchObject({ edit: "deny" })
})
