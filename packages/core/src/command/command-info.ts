import { z } from "zod"

/** A command as `GET /command` lists it, in opencode's shape. */
export const CommandInfo = z
  .object({
    name: z.string(),
    description: z.string().optional(),
    /** The agent that answers; unset: the caller's. */
    agent: z.string().optional(),
    /** `provider/model` that answers; unset: the agent's or the session's. */
    model: z.string().optional(),
    /** Where it comes from: built-ins, config and command files are all "command". */
    source: z.enum(["command", "mcp", "skill"]).optional(),
    /** The prompt text, with `$ARGUMENTS` and `$1`, `$2`… where the arguments go. */
    template: z.string(),
    /** Run as a sub-agent (a `task` call) instead of a prompt of the session. */
    subtask: z.boolean().optional(),
    /** The placeholders the template uses, for a client to prompt for: `$1`… in order, then `$ARGUMENTS`. */
    hints: z.array(z.string()),
  })
  .meta({ id: "Command" })
export type CommandInfo = z.infer<typeof CommandInfo>

/** The placeholders a template uses: each distinct `$N` in numeric order, then `$ARGUMENTS`. */
export function hints(template: string) {
  const numbered = [...new Set(template.match(/\$\d+/g) ?? [])].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)))
  return template.includes("$ARGUMENTS") ? [...numbered, "$ARGUMENTS"] : numbered
}
