import { expect, test } from "bun:test"
import { VERSION } from "@tandem/core/session/store"
import type { CommandSpec } from "../src/args"
import { demoSpec } from "../src/commands/demo"
import { runSpec } from "../src/commands/run"
import { serveSpec } from "../src/commands/serve"
import { tasksSpec } from "../src/commands/tasks"
import { tandem } from "./tandem-process"

const specs: CommandSpec[] = [runSpec, serveSpec, tasksSpec, demoSpec]

test("tandem --help and -h list every command and exit 0", async () => {
  for (const flag of ["--help", "-h"]) {
    const { code, stdout } = await tandem([flag])
    expect(code).toBe(0)
    for (const spec of specs) expect(stdout).toContain(`  ${spec.name}`)
    expect(stdout).toContain("--version")
    expect(stdout).toContain('"tandem <command> --help"')
  }
}, 30_000)

test("tandem --version and -v print the version and exit 0", async () => {
  for (const flag of ["--version", "-v"])
    expect(await tandem([flag])).toMatchObject({ code: 0, stdout: `${VERSION}\n` })
}, 30_000)

test("each command's --help and -h print its usage with every flag and its meaning, exit 0", async () => {
  const runs = specs.flatMap((spec) =>
    ["--help", "-h"].map(async (flag) => ({ spec, ...(await tandem([spec.name, flag])) })),
  )
  for (const { spec, code, stdout, stderr } of await Promise.all(runs)) {
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" })
    expect(stdout).toStartWith(`tandem ${spec.name}: ${spec.summary}`)
    expect(stdout).toContain(`Usage: tandem ${spec.name}`)
    for (const [name, flag] of Object.entries(spec.flags)) {
      const row = stdout.split("\n").find((line) => line.includes(`--${name}`))
      expect(row).toContain(flag.description)
      if (flag.short) expect(row).toContain(`-${flag.short}, --${name}`)
    }
    expect(stdout).toContain("-h, --help")
  }
  expect((await tandem(["help", "tasks"])).stdout).toBe((await tandem(["tasks", "--help"])).stdout)
}, 30_000)

test("an unknown flag is named, with the likely one and a pointer to --help; exit 2", async () => {
  const [bogus, typo, missing, extra] = await Promise.all([
    tandem(["run", "--bogus", "hi"]),
    tandem(["run", "--contine", "hi"]),
    tandem(["run", "-m"]),
    tandem(["tasks", "--watch=yes"]),
  ])
  expect(bogus).toMatchObject({ code: 2, stderr: "tandem run: unknown flag --bogus; see tandem run --help\n" })
  expect(typo.stderr).toContain("unknown flag --contine (did you mean --continue?)")
  expect(missing).toMatchObject({ code: 2, stderr: expect.stringContaining("-m needs a value (provider/model)") })
  expect(extra).toMatchObject({ code: 2, stderr: expect.stringContaining("--watch takes no value") })
}, 30_000)

test("an unknown command gets a message and the usage; exit 2", async () => {
  const { code, stderr } = await tandem(["frobnicate"])
  expect(code).toBe(2)
  expect(stderr).toStartWith('tandem: unknown command "frobnicate"')
  expect(stderr).toContain("Usage: tandem <command>")
}, 30_000)
