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
