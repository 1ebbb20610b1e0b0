import { readdirSync, readFileSync, existsSync } from "node:fs"
import path from "node:path"
import { AgentConfig, type Config, type PermissionConfig } from "../config/config"
import { parseModelRef } from "../provider/provider"
import { parseFrontmatter } from "./frontmatter"
import { Isolation } from "./isolation"
import buildPrompt from "./build.txt" with { type: "text" }
import planPrompt from "./plan.txt" with { type: "text" }
import generalPrompt from "./general.txt" with { type: "text" }
import { z } from "zod"

export const AgentInfo = z
  .object({
    name: z.string(),
    description: z.string().optional(),
    mode: z.enum(["primary", "subagent", "all"]),
    builtIn: z.boolean(),
    model: z.object({ providerID: z.string(), modelID: z.string() }).optional(),
    prompt: z.string().optional(),
    tools: z.record(z.string(), z.boolean()),
    permission: z.unknown(),
    temperature: z.number().optional(),
    steps: z.number().optional(),
    /** Where the agent works when started as a sub-agent, unless the task call says otherwise. */
    isolation: Isolation.optional(),
  })
  .meta({ id: "Agent" })
export type AgentInfo = Omit<z.infer<typeof AgentInfo>, "permission"> & { permission: PermissionConfig }

const builtIns: AgentInfo[] = [
  {
    name: "build",
    description: "The default agent: reads, edits and runs code.",
    mode: "primary",
    builtIn: true,
    prompt: buildPrompt,
    tools: {},
    permission: {},
  },
  {
    name: "plan",
    description: "Plans without changing anything: edits are denied, shell commands need approval.",
    mode: "primary",
    builtIn: true,
    prompt: planPrompt,
    tools: {},
    permission: { edit: "deny", write: "deny", bash: "ask" },
  },
  {
    name: "general",
    description: "General-purpose sub-agent for research and multi-step work delegated with the task tool.",
    mode: "subagent",
    builtIn: true,
    prompt: generalPrompt,
    tools: {},
    permission: {},
  },
]

function fromConfig(name: string, config: AgentConfig, base?: AgentInfo): AgentInfo {
  const model = config.model ? parseModelRef(config.model) : base?.model
  return {
    name,
    description: config.description ?? base?.description,
    mode: config.mode ?? base?.mode ?? "all",
    builtIn: base?.builtIn ?? false,
    model,
    prompt: config.prompt ?? base?.prompt,
    tools: { ...base?.tools, ...config.tools },
    permission: mergePermission(base?.permission, config.permission),
    temperature: config.temperature ?? base?.temperature,
    steps: config.steps ?? base?.steps,
    isolation: config.isolation ?? base?.isolation,
  }
}

function mergePermission(a: PermissionConfig | undefined, b: PermissionConfig | undefined): PermissionConfig {
  if (b === undefined) return a ?? {}
  if (typeof b === "string" || a === undefined || typeof a === "string") return b
  return { ...a, ...b }
}

/** Reads `.opencode/agent/*.md` and `.opencode/agents/*.md`: frontmatter is config, the body the prompt. */
export function readAgentFiles(directory: string): Record<string, AgentConfig> {
  const found: Record<string, AgentConfig> = {}
  for (const folder of ["agent", "agents"]) {
    const dir = path.join(directory, ".opencode", folder)
    if (!existsSync(dir)) continue
    for (const file of readdirSync(dir)
      .filter((name) => name.endsWith(".md"))
      .sort()) {
      const { data, body } = parseFrontmatter(readFileSync(path.join(dir, file), "utf8"))
      const parsed = AgentConfig.safeParse({ ...data, prompt: body || undefined })
      if (!parsed.success) throw new Error(`${path.join(dir, file)}: ${z.prettifyError(parsed.error)}`)
      found[file.slice(0, -3)] = parsed.data
    }
  }
  return found
}

/** The agents of a project: built-ins, then config `agent` entries, then agent files; `disable` removes one. */
export function loadAgents(config: Config, directory: string): Map<string, AgentInfo> {
  const agents = new Map(builtIns.map((agent) => [agent.name, agent]))
  const custom = { ...config.agent, ...readAgentFiles(directory) }
  for (const [name, entry] of Object.entries(custom)) {
    if (entry.disable) {
      agents.delete(name)
      continue
    }
    agents.set(name, fromConfig(name, entry, agents.get(name)))
  }
  return agents
}

/** The agents the `task` tool may start: every agent that is not primary-only. */
export function subagentsOf(agents: Map<string, AgentInfo>) {
  return [...agents.values()].filter((agent) => agent.mode !== "primary")
}
