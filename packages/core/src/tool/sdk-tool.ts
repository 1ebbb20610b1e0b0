import { jsonSchema, tool as sdkTool, type JSONSchema7, type ToolSet } from "ai"
import { z } from "zod"
import type { Tool } from "./tool"

const converted = new WeakMap<Tool, ToolSet[string]>()

/**
 * The AI SDK form of a tool, made once per tool: converting a zod schema to JSON Schema on every
 * model call is a measurable cost when hundreds of children run. Arguments are validated (and
 * defaults applied) by the tool's own schema before `execute` sees them.
 */
export function toSdkTool(tool: Tool) {
  let sdk = converted.get(tool)
  if (!sdk) {
    const schema = z.toJSONSchema(tool.parameters, { io: "input", unrepresentable: "any" }) as JSONSchema7
    sdk = sdkTool({
      description: tool.description,
      inputSchema: jsonSchema(schema, {
        validate: (value) => {
          const parsed = tool.parameters.safeParse(value)
          return parsed.success ? { success: true, value: parsed.data } : { success: false, error: parsed.error }
        },
      }),
    })
    converted.set(tool, sdk)
  }
  return sdk
}
