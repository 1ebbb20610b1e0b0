import { Hono } from "hono"
import os from "node:os"
import path from "node:path"
import type { Engine } from "@tandem/core/engine"
import { defaultModel, providerBlocks } from "@tandem/core/provider/provider"
import { Config, globalConfigDirectory } from "@tandem/core/config/config"
import { redactConfig, redactOptions } from "../redact"
import { describe } from "../contract"

function providers(engine: Engine) {
  const blocks = providerBlocks(engine.config, engine.builtins)
  return Object.entries(blocks).map(([id, block]) => ({
    id,
    name: block.name ?? id,
    source: engine.builtins[id] ? ("custom" as const) : ("config" as const),
    env: [],
    options: redactOptions(block.options ?? {}),
    models: Object.fromEntries(
      Object.entries(block.models ?? {}).map(([modelID, model]) => [
        modelID,
        {
          id: modelID,
          providerID: id,
          api: {
            id: model.id ?? modelID,
            url: block.options?.baseURL ?? "",
            npm: block.npm ?? "@ai-sdk/openai-compatible",
          },
          name: model.name ?? modelID,
          capabilities: {
            temperature: true,
            reasoning: false,
            attachment: false,
            toolcall: true,
            input: { text: true, audio: false, image: false, video: false, pdf: false },
            output: { text: true, audio: false, image: false, video: false, pdf: false },
            interleaved: false,
          },
          cost: {
            input: model.cost?.input ?? 0,
            output: model.cost?.output ?? 0,
            cache: { read: model.cost?.cache_read ?? 0, write: 0 },
          },
          limit: { context: model.limit?.context ?? 128_000, output: model.limit?.output ?? 32_000 },
          status: "active" as const,
          options: {},
          headers: {},
          release_date: "",
        },
      ]),
    ),
  }))
}

function defaults(engine: Engine) {
  const out: Record<string, string> = {}
  const ref = (() => {
    try {
      return defaultModel(engine.config, engine.builtins)
    } catch {
      return undefined
    }
  })()
  if (ref) out[ref.slice(0, ref.indexOf("/"))] = ref.slice(ref.indexOf("/") + 1)
  return out
}

/** `/path`, `/config`, `/agent`, `/provider`, `/config/providers`. */
export function configRoutes(engine: Engine) {
  return new Hono()
    .get("/path", describe({ id: "path.get", summary: "Directories in use" }), (c) =>
      c.json({
        home: os.homedir(),
        state: path.join(process.env.XDG_STATE_HOME || path.join(os.homedir(), ".local", "state"), "tandem"),
        config: globalConfigDirectory(),
        worktree: engine.directory,
        directory: engine.directory,
      }),
    )
    .get(
      "/config",
      describe({ id: "config.get", summary: "The merged config, secrets removed", response: Config }),
      (c) => c.json(redactConfig(engine.config)),
    )
    .get("/agent", describe({ id: "app.agents", summary: "Agents" }), (c) =>
      c.json(
        [...engine.agents.values()].map((agent) => ({
          name: agent.name,
          description: agent.description,
          mode: agent.mode,
          native: agent.builtIn,
          temperature: agent.temperature,
          model: agent.model,
          prompt: agent.prompt,
          steps: agent.steps,
          options: {},
          permission: ruleset(agent.permission),
        })),
      ),
    )
    .get("/provider", describe({ id: "provider.list", summary: "Providers" }), (c) => {
      const all = providers(engine)
      return c.json({ all, default: defaults(engine), connected: all.map((p) => p.id) })
    })
    .get("/config/providers", describe({ id: "config.providers", summary: "Providers and default models" }), (c) =>
      c.json({ providers: providers(engine), default: defaults(engine) }),
    )
}

/** opencode's flat rule list form of a permission config. */
function ruleset(config: unknown) {
  if (typeof config === "string") return [{ permission: "*", pattern: "*", action: config }]
  return Object.entries((config ?? {}) as Record<string, unknown>).flatMap(([permission, value]) =>
    typeof value === "string"
      ? [{ permission, pattern: "*", action: value }]
      : Object.entries(value as Record<string, string>).map(([pattern, action]) => ({ permission, pattern, action })),
  )
}
