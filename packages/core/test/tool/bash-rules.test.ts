import { expect, test } from "bun:test"
import fc from "fast-check"
import { existsSync, readdirSync } from "node:fs"
import path from "node:path"
import { Bus } from "../../src/bus/bus"
import type { PermissionConfig } from "../../src/config/config"
import { Permissions } from "../../src/permission/permission"
import { BashTool } from "../../src/tool/bash"
import { parseCommandLine } from "../../src/tool/bash-commands"
import { failed, ok, toolContext } from "./context"

/** A tool context whose asks go through the real permission service with `rules`, nobody to answer. */
function governed(rules: PermissionConfig) {
  const tools = toolContext()
  const permissions = new Permissions(new Bus(), () => false)
  tools.ctx.ask = (request) => permissions.ask({ ...request, sessionID: "ses_test", rules: [rules] })
  return tools
}

const echoOnly: PermissionConfig = { bash: { "echo *": "allow", "*": "deny" } }

test("every command a line would run must be allowed: ;, &&, $(…) and backticks cannot ride on an allowed prefix", async () => {
  const { ctx, directory } = governed(echoOnly)
  for (const command of [
    "echo hi; touch X",
    "echo $(touch X)",
    "echo hi && touch X",
    "echo hi || touch X",
    "echo `touch X`",
    'echo "$(touch X)"',
    "echo hi | touch X",
    "(echo hi; touch X)",
    "{ echo hi; touch X; }",
    "echo hi\ntouch X",
    "echo <(touch X)",
    "echo hi & touch X",
    "if echo a; then touch X; fi",
    "f() { touch X; }; echo hi; f",
  ]) {
    const outcome = failed(await BashTool.execute({ command }, ctx))
    expect(outcome.error).toContain("denied")
  }
  expect(readdirSync(directory)).toEqual([])
  expect(ok(await BashTool.execute({ command: "echo one; echo two && echo three" }, ctx)).output).toBe(
    "one\ntwo\nthree\n",
  )
})

test('"git *": allow admits git commands only, not what follows them', async () => {
  const { ctx, directory } = governed({ bash: { "git *": "allow", "*": "deny" } })
  expect(failed(await BashTool.execute({ command: "git status; touch X" }, ctx)).error).toContain("denied")
  expect(failed(await BashTool.execute({ command: "GIT_PAGER='touch X' git log" }, ctx)).error).toContain("denied")
  expect(existsSync(path.join(directory, "X"))).toBe(false)
})

test("a line the grammar cannot read is asked about, never allowed by a prefix", async () => {
  const { ctx, directory } = governed({ bash: { "echo *": "allow" } })
  const outcome = failed(await BashTool.execute({ command: "echo 'unterminated; touch X" }, ctx))
  expect(outcome.error).toContain("not valid bash")
  expect(outcome.error).toContain("needs approval")
  expect(existsSync(path.join(directory, "X"))).toBe(false)
})

test("backquotes the grammar leaves as text (in ${…}, in an unquoted here-document) are asked about", async () => {
  const { ctx, directory } = governed({ bash: { "echo *": "allow", "cat*": "allow", "*": "deny" } })
  for (const command of [
    "echo ${Y:-`touch X`}",
    "echo ${Y/`touch X`/}",
    'echo "${Y:-`touch X`}"',
    "cat <<EOF\n`touch X`\nEOF",
    "cat <<EOF\n${Y:-`touch X`}\nEOF",
  ]) {
    const outcome = failed(await BashTool.execute({ command }, ctx))
    expect(outcome.error).toContain("backquote the parser could not place")
  }
  expect(existsSync(path.join(directory, "X"))).toBe(false)
  for (const literal of ["cat <<'EOF'\n`touch X`\nEOF", "echo '`touch X`'", "echo $'`touch X`' # `x`"])
    ok(await BashTool.execute({ command: literal }, ctx))
  expect(existsSync(path.join(directory, "X"))).toBe(false)
})

test("the parser finds commands in substitutions, subshells, pipelines, functions and loops", async () => {
  const line = await parseCommandLine("a=$(id) b; for f in x; do rm $f; done | tee `date` > log 2>&1; cat <(ls)")
  expect(line).toEqual({
    ok: true,
    commands: ["a=$(id) b", "id", "rm $f", "tee `date`", "date", "cat <(ls)", "ls"],
    redirects: ["log"],
    directories: [],
  })
})

const word = fc.constantFrom("hi", "a.txt", "'quoted word'", '"dq"', "-n", "42")
const forbidden = "touch X"
const wrap = fc.constantFrom(
  (cmd: string) => `$(${cmd})`,
  (cmd: string) => `\`${cmd}\``,
  (cmd: string) => `"$(${cmd})"`,
  (cmd: string) => `<(${cmd})`,
  (cmd: string) => `\${Y:-\`${cmd}\`}`,
  (cmd: string) => `<<EOF\n\`${cmd}\`\nEOF`,
  (cmd: string) => `<<EOF\n$(${cmd})\nEOF`,
)
const join = fc.constantFrom(";", "&&", "||", "|", "\n", "&")

test("property: a forbidden command hidden anywhere in a line of allowed echoes is refused and never runs", async () => {
  const { ctx, directory } = governed(echoOnly)
  const line = fc.oneof(
    fc.tuple(fc.array(word, { maxLength: 3 }), join, fc.boolean()).map(([words, sep, first]) => {
      const echo = ["echo", ...words].join(" ")
      return first ? `${forbidden} ${sep} ${echo}` : `${echo} ${sep} ${forbidden}`
    }),
    fc.tuple(fc.array(word, { maxLength: 3 }), wrap).map(([words, w]) => ["echo", ...words, w(forbidden)].join(" ")),
    fc
      .tuple(fc.array(word, { maxLength: 2 }), join)
      .map(([words, sep]) => `(echo ${words.join(" ")} ${sep} ${forbidden})`),
  )
  await fc.assert(
    fc.asyncProperty(line, async (command) => {
      const outcome = await BashTool.execute({ command }, ctx)
      expect("error" in outcome).toBe(true)
    }),
    { numRuns: 150 },
  )
  expect(existsSync(path.join(directory, "X"))).toBe(false)
})
