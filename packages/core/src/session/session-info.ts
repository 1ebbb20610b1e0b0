import { z } from "zod"
import { Tokens } from "./message"
import { SnapshotFileDiff } from "./file-diff"

/**
 * Where a session was reverted to: messages from `messageID` (or, with `partID`, that message's
 * parts from `partID`) on are hidden; `snapshot` is the tree before the revert, for unrevert;
 * `diff` is what the revert changed, as a unified diff.
 */
export const SessionRevert = z.object({
  messageID: z.string().startsWith("msg_"),
  partID: z.string().startsWith("prt_").optional(),
  snapshot: z.string().optional(),
  diff: z.string().optional(),
})
export type SessionRevert = z.infer<typeof SessionRevert>

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
    /** The files the session changed, counted. */
    summary: z
      .object({
        additions: z.number(),
        deletions: z.number(),
        files: z.number(),
        diffs: z.array(SnapshotFileDiff).optional(),
      })
      .optional(),
    cost: z.number(),
    tokens: Tokens,
    revert: SessionRevert.optional(),
    time: z.object({
      created: z.number(),
      updated: z.number(),
      /** When a compaction of the session started, while it runs. */
      compacting: z.number().optional(),
      archived: z.number().optional(),
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
