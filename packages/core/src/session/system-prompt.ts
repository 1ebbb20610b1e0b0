import type { AgentInfo } from "../agent/agent"
import type { UserMessage } from "./message"

/** The system prompt of a step: the agent's prompt, the environment, and the prompt's own `system`. */
export function systemPrompt(agent: AgentInfo, directory: string, user: UserMessage) {
  return [agent.prompt ?? "", environment(directory), user.system ?? ""].filter(Boolean)
}

function environment(directory: string) {
  return [
    "<env>",
    `Working directory: ${directory}`,
    `Platform: ${process.platform}`,
    `Date: ${new Date().toDateString()}`,
    "</env>",
  ].join("\n")
}
