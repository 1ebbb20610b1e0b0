import { expect, test } from "bun:test"
import { writeFileSync } from "node:fs"
import path from "node:path"
import { tempProject } from "@tandem/testing/fixture"
import { tandem } from "./tandem-process"

function project(config: string) {
  const directory = tempProject()
  writeFileSync(path.join(directory, "opencode.json"), config)
  return { directory, file: path.join(directory, "opencode.json") }
}

test("a schema error in opencode.json names file:line:column, the path, what was given and the allowed values", async () => {
  const { directory, file } = project('{\n  "model": "a/b",\n  "permission": { "bash": "sometimes" },\n}')
  for (const command of [["run", "hi"], ["serve"]]) {
    const { code, stderr } = await tandem(command, { cwd: directory })
    expect(code).toBe(1)
    expect(stderr).toBe(
      `tandem ${command[0]}: ${file}:3:19: permission.bash: "sometimes" is not one of allow, ask, deny\n` +
        `  3 |   "permission": { "bash": "sometimes" },\n` +
        `    |                   ^\n`,
    )
  }
}, 30_000)

test("a missing comma in opencode.json is shown at its line and column, with the line and a caret", async () => {
  const { directory, file } = project('{\n  "model": "a/b"\n  "permission": { "bash": "ask" },\n}')
  const { code, stderr } = await tandem(["run", "hi"], { cwd: directory })
  expect(code).toBe(1)
  expect(stderr).toBe(
    `tandem run: ${file}:3:3: missing "," before this property\n` +
      `  3 |   "permission": { "bash": "ask" },\n` +
      `    |   ^\n`,
  )
}, 30_000)
