import { z } from "zod"

/** Parts a prompt may carry, as opencode's prompt body accepts them. */
export const PromptPartInput = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text"), text: z.string(), synthetic: z.boolean().optional(), id: z.string().optional() }),
  z.object({
    type: z.literal("file"),
    mime: z.string(),
    url: z.string(),
    filename: z.string().optional(),
    id: z.string().optional(),
  }),
  z.object({ type: z.literal("agent"), name: z.string(), id: z.string().optional() }),
])

/** The body of `POST /session/:id/message` and `prompt_async`. */
export const PromptInput = z
  .object({
    messageID: z.string().startsWith("msg_").optional(),
    model: z.object({ providerID: z.string(), modelID: z.string() }).optional(),
    agent: z.string().optional(),
    noReply: z.boolean().optional(),
    system: z.string().optional(),
    tools: z.record(z.string(), z.boolean()).optional(),
    /** The model variant to call with: a key of the model's `variants` in the config. */
    variant: z.string().optional(),
    parts: z.array(PromptPartInput).min(1),
  })
  .meta({ id: "PromptInput" })
export type PromptInput = z.infer<typeof PromptInput>

/** A named failure of the loop that a caller can act on. */
export class PromptError extends Error {
  override name = "PromptError"
}
