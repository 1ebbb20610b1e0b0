import { mkdtempSync, writeFileSync } from "node:fs"
import os from "node:os"
import path from "node:path"
import { createEngine, type EngineOptions } from "@tandem/core/engine"
import type { Config } from "@tandem/core/config/config"
import type { EventDef } from "@tandem/core/bus/bus"
import type { z } from "zod"
import { scriptedModel, type ScriptedModel } from "./scripted-model"
import type { Responder } from "./script"

/** Config naming an OpenAI-compatible server (the scripted one) as provider `local`, model `local/scripted`. */
export function scriptedProviderConfig(baseURL: string, extra: Config = {}): Config {
  return {
    model: "local/scripted",
    provider: { local: { npm: "@ai-sdk/openai-compatible", options: { baseURL }, models: { scripted: {} } } },
    ...extra,
  }
}

/** A temporary project whose opencode.json is `scriptedProviderConfig(baseURL, extra)`. */
export function scriptedProject(baseURL: string, extra: Config = {}) {
  const directory = tempProject()
  writeFileSync(path.join(directory, "opencode.json"), JSON.stringify(scriptedProviderConfig(baseURL, extra)))
  return directory
}

/** A temporary project directory. */
export function tempProject(prefix = "tandem-project-") {
  return mkdtempSync(path.join(os.tmpdir(), prefix))
}

/**
 * An engine on the scripted model in a temporary project with an in-memory store. The model is
 * `scripted/test`; titles are off unless the config turns them on.
 */
export function testEngine(
  input: { responder: Responder; config?: Config; directory?: string; record?: boolean } & Partial<EngineOptions>,
) {
  const model: ScriptedModel = scriptedModel(input.responder, {
    provider: "scripted",
    modelId: "test",
    record: input.record,
  })
  const directory = input.directory ?? tempProject()
  const engine = createEngine({
    directory,
    dbFile: input.dbFile ?? ":memory:",
    interactive: input.interactive,
    config: { model: "scripted/test", ...input.config, tandem: { title: false, ...input.config?.tandem } },
    builtins: {
      scripted: () => model,
    },
  })
  return {
    engine,
    directory,
    /** Every call the model received, in order. */
    calls: model.calls,
  }
}

/** Collects every event of one kind published on a bus from now on. */
export function record<S extends z.ZodType>(
  bus: { on: (def: EventDef<string, S>, fn: (p: z.infer<S>) => void) => () => void },
  def: EventDef<string, S>,
) {
  const seen: z.infer<S>[] = []
  bus.on(def, (properties) => seen.push(properties))
  return seen
}
