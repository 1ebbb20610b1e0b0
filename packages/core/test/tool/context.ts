import { mkdtempSync } from "node:fs"
import os from "node:os"
import path from "node:path"
import { FileVersions } from "../../src/tool/file-versions"
import type {
  PermissionAsk,
  PermissionOutcome,
  ToolContext,
  ToolOutcome,
  ToolSuccess,
  ToolFailure,
} from "../../src/tool/tool"

/** A temporary project and a tool context over it whose permission answers the test scripts. */
export function toolContext(answer: (ask: PermissionAsk) => PermissionOutcome = () => ({ granted: true })) {
  const directory = mkdtempSync(path.join(os.tmpdir(), "tandem-tool-"))
  const asks: PermissionAsk[] = []
  const progress: unknown[] = []
  const abort = new AbortController()
  const ctx: ToolContext = {
    sessionID: "ses_test",
    messageID: "msg_test",
    callID: "call_test",
    agent: "build",
    directory,
    abort: abort.signal,
    fileVersions: new FileVersions(),
    ask: async (request) => {
      asks.push(request)
      return answer(request)
    },
    progress: (update) => progress.push(update),
  }
  return { ctx, directory, asks, progress, abort }
}

export function ok(outcome: ToolOutcome): ToolSuccess {
  if ("error" in outcome) throw new Error(`expected success, got failure: ${outcome.error}`)
  return outcome
}

export function failed(outcome: ToolOutcome): ToolFailure {
  if (!("error" in outcome)) throw new Error(`expected failure, got: ${outcome.output}`)
  return outcome
}
