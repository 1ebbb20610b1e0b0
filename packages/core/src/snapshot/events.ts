import { z } from "zod"
import { defineEvent } from "../bus/bus"
import { SnapshotFileDiff } from "./file-diff"

/** A session's file changes, after a step changed files and after a revert or unrevert. */
export const SessionDiff = defineEvent(
  "session.diff",
  z.object({ sessionID: z.string(), diff: z.array(SnapshotFileDiff) }),
)
