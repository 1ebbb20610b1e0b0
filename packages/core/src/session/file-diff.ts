import { z } from "zod"

/** One file's change in a session summary or a `session.diff` event (made by the snapshot store). */
export { SnapshotFileDiff } from "../snapshot/file-diff"

/** One file's change between two snapshots, with its unified diff (`GET /session/:id/diff`). */
export const FileDiff = z
  .object({
    path: z.string(),
    status: z.enum(["added", "modified", "deleted"]),
    additions: z.number().int().min(0),
    deletions: z.number().int().min(0),
    patch: z.string(),
  })
  .meta({ id: "FileDiff" })
export type FileDiff = z.infer<typeof FileDiff>
