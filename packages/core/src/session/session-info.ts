import { z } from "zod"
import { Tokens } from "./message"

/** A session, in opencode 1.18.33's shape. */
export const SessionInfo = z
  .object({
    id: z.string().startsWith("ses_"),
    slug: z.string(),
    projectID: z.string(),
    directory: z.string(),
    path: z.string().optional(),
    parentID: z.string().startsWith("ses_").optional(),
    title: z.string(),
    agent: z.string().optional(),
    model: z.object({ id: z.string(), providerID: z.string(), variant: z.string().optional() }).optional(),
    version: z.string(),
    cost: z.number(),
    tokens: Tokens,
    time: z.object({
      created: z.number(),
      updated: z.number(),
      archived: z.number().optional(),
      /** Set while the session is being compacted (when it started). */
      compacting: z.number().optional(),
    }),
  })
  .meta({ id: "Session" })
export type SessionInfo = z.infer<typeof SessionInfo>

export const SessionStatus = z
  .discriminatedUnion("type", [
    z.object({ type: z.literal("idle") }),
    z.object({ type: z.literal("busy") }),
    z.object({ type: z.literal("retry"), attempt: z.number(), message: z.string(), next: z.number() }),
  ])
  .meta({ id: "SessionStatus" })
export type SessionStatus = z.infer<typeof SessionStatus>
