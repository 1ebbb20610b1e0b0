import { expect, test } from "bun:test"
import { mkdirSync, readFileSync, symlinkSync, writeFileSync, existsSync } from "node:fs"
import os from "node:os"
import path from "node:path"
import { ReadTool } from "../../src/tool/read"
import { WriteTool } from "../../src/tool/write"
import { EditTool } from "../../src/tool/edit"
import { GlobTool, GLOB_LIMIT } from "../../src/tool/glob"
import { GrepTool } from "../../src/tool/grep"
import { ListTool } from "../../src/tool/list"
import { failed, ok, toolContext } from "./context"

test("read: numbered lines, paging, and helpful failures", async () => {
  const { ctx, directory, asks } = toolContext()
  writeFileSync(path.join(directory, "a.txt"), Array.from({ length: 10 }, (_, i) => `line ${i + 1}`).join("\n") + "\n")
  const all = ok(await ReadTool.execute({ filePath: "a.txt" }, ctx))
  expect(all.output).toStartWith("1: line 1\n2: line 2")
  expect(all.output).toContain("end of file, 10 lines")
  const page = ok(await ReadTool.execute({ filePath: "a.txt", offset: 3, limit: 2 }, ctx))
  expect(page.output).toStartWith("3: line 3\n4: line 4\n\n(6 more lines; continue with offset 5)")
  expect(asks[0]).toMatchObject({ permission: "read", patterns: [path.join(directory, "a.txt")] })
  expect(failed(await ReadTool.execute({ filePath: "missing.txt" }, ctx)).error).toContain("not found")
  mkdirSync(path.join(directory, "dir"))
  expect(failed(await ReadTool.execute({ filePath: "dir" }, ctx)).error).toContain("list tool")
  writeFileSync(path.join(directory, "bin"), new Uint8Array([1, 0, 2]))
  expect(failed(await ReadTool.execute({ filePath: "bin" }, ctx)).error).toContain("binary")
})

test("write and edit: create, replace once or all, and refuse ambiguity", async () => {
  const { ctx, directory, asks } = toolContext()
  ok(await WriteTool.execute({ filePath: "src/new.ts", content: "a b a\n" }, ctx))
  expect(readFileSync(path.join(directory, "src/new.ts"), "utf8")).toBe("a b a\n")
  expect(asks.at(-1)).toMatchObject({ permission: "edit", patterns: [path.join("src", "new.ts")] })
  expect(
    failed(await EditTool.execute({ filePath: "src/new.ts", oldString: "a", newString: "c" }, ctx)).error,
  ).toContain("2 times")
  expect(
    failed(await EditTool.execute({ filePath: "src/new.ts", oldString: "zzz", newString: "c" }, ctx)).error,
  ).toContain("not found")
  expect(
    failed(await EditTool.execute({ filePath: "src/new.ts", oldString: "b", newString: "b" }, ctx)).error,
  ).toContain("same")
  ok(await EditTool.execute({ filePath: "src/new.ts", oldString: "b", newString: "B" }, ctx))
  ok(await EditTool.execute({ filePath: "src/new.ts", oldString: "a", newString: "$&x", replaceAll: true }, ctx))
  expect(readFileSync(path.join(directory, "src/new.ts"), "utf8")).toBe("$&x B $&x\n")
  ok(await EditTool.execute({ filePath: "fresh.txt", oldString: "", newString: "new file" }, ctx))
  expect(readFileSync(path.join(directory, "fresh.txt"), "utf8")).toBe("new file")
})

test("a refused permission is a failure value with the reason, and nothing is written", async () => {
  const { ctx, directory } = toolContext(() => ({ granted: false, reason: "the user refused this permission" }))
  const outcome = failed(await WriteTool.execute({ filePath: "x.txt", content: "x" }, ctx))
  expect(outcome.error).toContain("refused")
  expect(existsSync(path.join(directory, "x.txt"))).toBe(false)
})

test("confinement: .., absolute paths and symlinks out of the project need external_directory", async () => {
  const outside = path.join(os.tmpdir(), `tandem-outside-${process.pid}`)
  mkdirSync(outside, { recursive: true })
  writeFileSync(path.join(outside, "secret.txt"), "secret")
  const refused = toolContext((ask) =>
    ask.permission === "external_directory"
      ? { granted: false, reason: "denied by the configuration" }
      : { granted: true },
  )
  symlinkSync(outside, path.join(refused.directory, "link"))
  for (const filePath of [
    path.join("..", path.basename(outside), "secret.txt"),
    path.join(outside, "secret.txt"),
    "link/secret.txt",
  ]) {
    const outcome = failed(await ReadTool.execute({ filePath }, refused.ctx))
    expect(outcome.error).toContain("outside the project directory")
  }
  expect(failed(await WriteTool.execute({ filePath: "link/new.txt", content: "x" }, refused.ctx)).error).toContain(
    "outside",
  )
  expect(existsSync(path.join(outside, "new.txt"))).toBe(false)
  expect(refused.asks.every((a) => a.permission === "external_directory")).toBe(true)
  const allowed = toolContext()
  expect(ok(await ReadTool.execute({ filePath: path.join(outside, "secret.txt") }, allowed.ctx)).output).toContain(
    "secret",
  )
  expect(allowed.asks[0]).toMatchObject({ permission: "external_directory" })
})

test("glob, grep and list: results, ignored folders, caps and bad patterns", async () => {
  const { ctx, directory } = toolContext()
  mkdirSync(path.join(directory, "src"))
  mkdirSync(path.join(directory, "node_modules", "dep"), { recursive: true })
  writeFileSync(path.join(directory, "src", "a.ts"), "export const alpha = 1\nconst beta = 2\n")
  writeFileSync(path.join(directory, "src", "b.js"), "alpha()\n")
  writeFileSync(path.join(directory, "node_modules", "dep", "c.ts"), "alpha\n")
  const globbed = ok(await GlobTool.execute({ pattern: "**/*.ts" }, ctx))
  expect(globbed.output).toBe(path.join("src", "a.ts"))
  const grepped = ok(await GrepTool.execute({ pattern: "alpha", include: "*.ts" }, ctx))
  expect(grepped.output).toBe(`${path.join("src", "a.ts")}:1: export const alpha = 1`)
  expect(ok(await GrepTool.execute({ pattern: "alpha" }, ctx)).metadata.matches).toBe(2)
  expect(failed(await GrepTool.execute({ pattern: "(" }, ctx)).error).toContain("invalid regular expression")
  expect(failed(await GrepTool.execute({ pattern: "a", include: "~/*" }, ctx)).error).toBe(
    "~ is not an existing directory",
  )
  expect(failed(await GlobTool.execute({ pattern: "*", path: "src/a.ts" }, ctx)).error).toBe(
    `${path.join("src", "a.ts")} is a file, not a directory`,
  )
  const listed = ok(await ListTool.execute({}, ctx))
  expect(listed.output).toContain("src/")
  expect(listed.output).toContain("a.ts")
  expect(listed.output).not.toContain("node_modules")
  for (let i = 0; i < GLOB_LIMIT + 5; i++) writeFileSync(path.join(directory, `f${i}.md`), "x")
  const capped = ok(await GlobTool.execute({ pattern: "*.md" }, ctx))
  expect(capped.metadata).toMatchObject({ count: GLOB_LIMIT + 5, truncated: true })
  expect(capped.output).toContain("5 more")
  expect(ok(await ListTool.execute({}, ctx)).metadata.truncated).toBe(true)
})
