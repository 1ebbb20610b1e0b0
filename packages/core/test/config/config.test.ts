import { expect, test } from "bun:test"
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs"
import os from "node:os"
import path from "node:path"
import { ConfigError, loadConfig, readConfigFile } from "../../src/config/config"
import { parseJsonc } from "../../src/config/jsonc"

const temp = () => mkdtempSync(path.join(os.tmpdir(), "tandem-config-"))

test("jsonc: comments and trailing commas, but not inside strings", () => {
  expect(parseJsonc('{ // c\n "a": "x // y", /* b */ "b": [1, 2,], }')).toEqual({ a: "x // y", b: [1, 2] })
})

test("project config overrides global; {env:} and {file:} are substituted", () => {
  const home = temp()
  const project = temp()
  mkdirSync(path.join(home, "opencode"), { recursive: true })
  writeFileSync(
    path.join(home, "opencode", "opencode.json"),
    JSON.stringify({ model: "a/global", small_model: "a/small" }),
  )
  writeFileSync(path.join(project, "key.txt"), "from-file\n")
  writeFileSync(
    path.join(project, "opencode.jsonc"),
    `{
      // project settings
      "model": "local/qwen",
      "provider": { "local": { "npm": "@ai-sdk/openai-compatible",
        "options": { "baseURL": "http://127.0.0.1:8080/v1", "apiKey": "{env:LOCAL_KEY}", "headers": { "x": "{file:key.txt}" } },
        "models": { "qwen": {} } } },
    }`,
  )
  const config = loadConfig(project, { XDG_CONFIG_HOME: home, LOCAL_KEY: "sekret" })
  expect(config.model).toBe("local/qwen")
  expect(config.small_model).toBe("a/small")
  expect(config.provider?.local?.options?.apiKey).toBe("sekret")
  expect(config.provider?.local?.options?.headers?.x).toBe("from-file")
})

test("a malformed config names the file and the problem", () => {
  const dir = temp()
  const file = path.join(dir, "opencode.json")
  writeFileSync(file, '{ "model": 42 }')
  expect(() => readConfigFile(file, {})).toThrow(ConfigError)
  expect(() => readConfigFile(file, {})).toThrow(/opencode\.json.*model/s)
  writeFileSync(file, "{ nope")
  expect(() => readConfigFile(file, {})).toThrow(ConfigError)
})

test("unknown opencode keys are kept, not rejected", () => {
  const dir = temp()
  writeFileSync(path.join(dir, "opencode.json"), JSON.stringify({ theme: "dark", model: "x/y" }))
  expect(loadConfig(dir, { XDG_CONFIG_HOME: temp() })).toMatchObject({ theme: "dark", model: "x/y" })
})

const configError = (text: string, env: Record<string, string> = {}) => {
  const file = path.join(temp(), "opencode.json")
  writeFileSync(file, text)
  try {
    readConfigFile(file, env)
  } catch (error) {
    if (error instanceof ConfigError) return { file, error }
    throw error
  }
  throw new Error("expected a ConfigError")
}

test("a schema error names the path, the key's line:column, what was given and what is allowed", () => {
  const { file, error } = configError('{\n  "model": "a/b",\n  "permission": { "bash": "sometimes" },\n}')
  expect(error.message).toBe(
    `${file}:3:19: permission.bash: "sometimes" is not one of allow, ask, deny\n` +
      `  3 |   "permission": { "bash": "sometimes" },\n` +
      `    |                   ^`,
  )
  expect(error.problems).toEqual([
    {
      message: 'permission.bash: "sometimes" is not one of allow, ask, deny',
      line: 3,
      column: 19,
      source: '  "permission": { "bash": "sometimes" },',
    },
  ])
})

test("every schema error is reported, in file order, explained by the alternative the user meant", () => {
  const { error } = configError(
    [
      "{",
      '  "tandem": { "background": { "max_running": -1 }, "title": "yes" },',
      '  "permission": { "bash": { "rm *": "nah" }, "edit": 3 },',
      '  "model": 42,',
      '  "provider": { "my.host": { "models": { "m": { "cost": { "input": "1" } } } } }',
      "}",
    ].join("\n"),
  )
  expect(error.problems.map((p) => `${p.line}:${p.column} ${p.message}`)).toEqual([
    "2:31 tandem.background.max_running: expected at least 0, got -1",
    '2:52 tandem.title: expected true or false, got "yes"',
    '3:29 permission.bash["rm *"]: "nah" is not one of allow, ask, deny',
    "3:46 permission.edit: expected one of allow, ask, deny or an object, got 3",
    "4:3 model: expected a string, got 42",
    '5:59 provider["my.host"].models.m.cost.input: expected a number, got "1"',
  ])
})

test("a syntax error shows file:line:column and the line with a caret under the spot", () => {
  const { file, error } = configError('{\n  "model": "a/b"\n  "permission": { "bash": "ask" },\n}')
  expect(error.message).toBe(
    `${file}:3:3: missing "," before this property\n` + `  3 |   "permission": { "bash": "ask" },\n` + `    |   ^`,
  )
  // Tabs stay under the caret, so it lines up however wide they are drawn.
  expect(configError('{\n\t"a": tru\n}').error.message).toEndWith('  2 | \t"a": tru\n    | \t     ^')
})

test("positions are those of the file as written, not of the text after {env:} substitution", () => {
  const { error } = configError('{ "a": "{env:LONG}", "b": 1 "c": 2 }', { LONG: "x".repeat(50) })
  expect(error.problems[0]).toMatchObject({ line: 1, column: 29, message: 'missing "," before this property' })
  const inside = configError('{ "model": {env:NUM} }', { NUM: "42" }).error
  expect(inside.problems[0]).toMatchObject({ line: 1, column: 3, message: "model: expected a string, got 42" })
})
