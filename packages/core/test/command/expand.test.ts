import { expect, test } from "bun:test"
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs"
import path from "node:path"
import { tempProject } from "@tandem/testing/fixture"
import { hints } from "../../src/command/command-info"
import { expandTemplate, splitArguments } from "../../src/command/expand"
import { loadCommands } from "../../src/command/load-commands"
import { fileReferences } from "../../src/command/file-references"

test("$ARGUMENTS takes everything typed; $1, $2… one word each, the highest the rest", () => {
  expect(expandTemplate("Fix $ARGUMENTS now", "the  login bug")).toBe("Fix the  login bug now")
  expect(expandTemplate("from $1 to $2", "a b c d")).toBe("from a to b c d")
  expect(expandTemplate("$2 then $1", '"two words" next')).toBe("next then two words")
  expect(expandTemplate("only $1 and $3", "x")).toBe("only x and")
  expect(expandTemplate("$1|$ARGUMENTS", "p q")).toBe("p q|p q")
})

test("a template without placeholders gets the arguments as a paragraph of their own", () => {
  expect(expandTemplate("Review the code.", "focus on errors")).toBe("Review the code.\n\nfocus on errors")
  expect(expandTemplate("Review the code.\n", "  ")).toBe("Review the code.")
})

test("arguments split at spaces, quoted runs kept whole without their quotes", () => {
  expect(splitArguments(`a "b c" 'd e' f`)).toEqual(["a", "b c", "d e", "f"])
})

test("hints name the numbered placeholders in order, then $ARGUMENTS", () => {
  expect(hints("$10 $2 $1 $2 and $ARGUMENTS")).toEqual(["$1", "$2", "$10", "$ARGUMENTS"])
  expect(hints("nothing")).toEqual([])
})

test("commands come from the built-in init, the config block, global and project command files", () => {
  const directory = tempProject()
  const global = tempProject("tandem-config-")
  mkdirSync(path.join(directory, ".opencode", "command"), { recursive: true })
  mkdirSync(path.join(directory, ".opencode", "commands"), { recursive: true })
  mkdirSync(path.join(global, "opencode", "command"), { recursive: true })
  writeFileSync(
    path.join(directory, ".opencode", "command", "audit.md"),
    "---\ndescription: Review a file\nagent: plan\nmodel: scripted/test\nsubtask: true\n---\nReview $1 for $ARGUMENTS\n",
  )
  writeFileSync(path.join(directory, ".opencode", "commands", "plain.md"), "Just do it\n")
  writeFileSync(path.join(global, "opencode", "command", "hello.md"), "---\ndescription: greet\n---\nSay hello\n")
  writeFileSync(path.join(global, "opencode", "command", "plain.md"), "overridden by the project's file\n")
  const commands = loadCommands(
    { command: { deploy: { template: "Deploy to $1", description: "ship it", agent: "build" } } },
    directory,
    { XDG_CONFIG_HOME: global },
  )
  const byName = Object.fromEntries(commands.map((command) => [command.name, command]))
  expect(Object.keys(byName).sort()).toEqual(["audit", "deploy", "hello", "init", "plain", "review"])
  expect(commands.map((command) => command.name).slice(0, 2)).toEqual(["init", "review"])
  expect(byName.audit).toEqual({
    name: "audit",
    description: "Review a file",
    agent: "plan",
    model: "scripted/test",
    source: "command",
    template: "Review $1 for $ARGUMENTS",
    subtask: true,
    hints: ["$1", "$ARGUMENTS"],
  })
  expect(byName.plain).toMatchObject({ template: "Just do it", hints: [] })
  expect(byName.deploy).toMatchObject({ description: "ship it", agent: "build", hints: ["$1"] })
  expect(byName.hello).toMatchObject({ description: "greet", template: "Say hello" })
  expect(byName.init!.template).toContain("AGENTS.md")
  expect(byName.init!.template).toContain(directory)
  expect(byName.init!.hints).toEqual(["$ARGUMENTS"])
  expect(byName.review).toMatchObject({ subtask: true, hints: ["$ARGUMENTS"] })
  expect(byName.review!.template).toContain("git diff")
})

test("an @reference through a symlink that leads out of the project stays plain text", () => {
  const outside = tempProject("tandem-outside-")
  writeFileSync(path.join(outside, "secret.txt"), "outside secret")
  const directory = tempProject()
  writeFileSync(path.join(directory, "inside.txt"), "inside text")
  symlinkSync(path.join(outside, "secret.txt"), path.join(directory, "link.txt"))
  symlinkSync(outside, path.join(directory, "out"))
  const parts = fileReferences("see @inside.txt and @link.txt and @out/secret.txt and @../x", directory)
  expect(parts.filter((part) => part.type === "file").map((part) => part.filename)).toEqual(["inside.txt"])
  expect(JSON.stringify(parts)).not.toContain("outside secret")
})
