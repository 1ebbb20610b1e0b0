import { mkdtempSync, writeFileSync, rmSync } from "node:fs"
import os from "node:os"
import path from "node:path"
import { createEngine } from "@tandem/core/engine"
import { DEMO_FILE, DEMO_FILE_CONTENT, DEMO_FOLLOWUP, DEMO_PROMPT } from "@tandem/testing/demo-script"
import { builtins } from "../builtins"
import { commandArgs, type CommandSpec } from "../args"
import { bold, dim } from "../render"
import { runConversation } from "./run"

export const demoSpec = {
  name: "demo",
  summary: "a session on the built-in scripted model in a scratch project: no key, no network",
  usage: "",
  flags: {},
  notes: ["It shows tools, a blocking sub-agent and three background tasks whose results arrive by themselves."],
} satisfies CommandSpec

/** A session on the built-in scripted model in a scratch project: no key, no network. */
export async function demoCommand(args: string[]) {
  const parsed = commandArgs(demoSpec, args)
  if (typeof parsed === "number") return parsed
  if (parsed.positionals.length) {
    console.error(`tandem demo: unexpected argument "${parsed.positionals[0]}"; see tandem demo --help`)
    return 2
  }
  const directory = mkdtempSync(path.join(os.tmpdir(), "tandem-demo-"))
  writeFileSync(path.join(directory, DEMO_FILE), DEMO_FILE_CONTENT)
  const engine = createEngine({
    directory,
    dbFile: path.join(directory, ".tandem", "demo.db"),
    builtins,
    interactive: false,
    config: { model: "scripted/scripted", tandem: { title: false, max_steps: 50 } },
  })
  console.log(bold("tandem demo") + dim(` · scripted model · project ${directory}`))
  console.log(dim("> ") + DEMO_PROMPT + "\n")
  try {
    return await runConversation(engine, {
      messages: [DEMO_PROMPT, DEMO_FOLLOWUP],
      echo: (message) => console.log("\n" + dim("> ") + message + "\n"),
    })
  } finally {
    await engine.close()
    rmSync(directory, { recursive: true, force: true })
  }
}
