import { expect, test } from "bun:test"
import { evaluate, evaluateAll, wildcard } from "../../src/permission/rules"
import { PermissionAsked, Permissions } from "../../src/permission/permission"
import { Bus } from "../../src/bus/bus"

test("wildcards match whole strings", () => {
  expect(wildcard("git *", "git status")).toBe(true)
  expect(wildcard("git *", "rm -rf /; git status")).toBe(false)
  expect(wildcard("*.ts", "a.ts")).toBe(true)
})

test("the most specific pattern wins, unknown permissions fall back to * then defaults", () => {
  const rules = { bash: { "*": "ask", "git *": "allow", "git push *": "deny" }, edit: "deny" } as const
  expect(evaluate(rules, "bash", "git status")).toBe("allow")
  expect(evaluate(rules, "bash", "git push origin")).toBe("deny")
  expect(evaluate(rules, "bash", "ls")).toBe("ask")
  expect(evaluate(rules, "write", "a.txt")).toBe("deny")
  expect(evaluate(rules, "read", "a.txt")).toBe("allow")
  expect(evaluate({}, "external_directory", "/etc/*")).toBe("ask")
  expect(evaluate("deny", "read", "x")).toBe("deny")
})

test("a child never gets more than its parent: the strictest rule set wins", () => {
  expect(evaluateAll([{ bash: "allow" }, { bash: "ask" }], "bash", "ls")).toBe("ask")
  expect(evaluateAll([{ bash: "deny" }, { bash: "allow" }], "bash", "ls")).toBe("deny")
})

test("ask waits for a reply; headless runs refuse with a reason", async () => {
  const bus = new Bus()
  let interactive = true
  const permissions = new Permissions(bus, () => interactive)
  const asked = bus.once(PermissionAsked)
  const pending = permissions.ask({
    sessionID: "ses_a",
    permission: "bash",
    patterns: ["ls"],
    rules: [{ bash: "ask" }],
  })
  const request = await asked
  expect(permissions.list()).toHaveLength(1)
  expect(permissions.reply(request.id, "always")).toBe(true)
  expect(await pending).toEqual({ granted: true })
  expect(
    await permissions.ask({ sessionID: "ses_a", permission: "bash", patterns: ["ls"], rules: [{ bash: "ask" }] }),
  ).toEqual({
    granted: true,
  })
  interactive = false
  const refused = await permissions.ask({
    sessionID: "ses_b",
    permission: "bash",
    patterns: ["ls"],
    rules: [{ bash: "ask" }],
  })
  expect(refused.granted).toBe(false)
  expect(!refused.granted && refused.reason).toContain("nobody can answer")
  expect(permissions.reply("per_missing", "once")).toBe(false)
})
