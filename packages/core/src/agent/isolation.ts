import { z } from "zod"

/** Where a sub-agent works: in its parent's tree ("none"), or in its own git worktree of it. */
export const Isolation = z.enum(["none", "worktree"])
export type Isolation = z.infer<typeof Isolation>
