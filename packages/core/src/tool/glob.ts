import { z } from "zod"
import { defineTool, fail } from "./tool"
import { displayPath } from "./path-guard"
import { searchScope } from "./search-scope"
import { findFiles, outsideNote } from "./walk"
import template from "./glob.txt" with { type: "text" }

export const GLOB_LIMIT = 100

export const GlobTool = defineTool({
  id: "glob",
  description: template.replaceAll("{{LIMIT}}", String(GLOB_LIMIT)),
  parameters: z.object({
    pattern: z.string().min(1).describe("The glob pattern to match"),
    path: z.string().optional().describe("The directory to search (default: the project directory)"),
  }),
  async execute(args, ctx) {
    const scope = await searchScope(ctx, args.path ?? ".", args.pattern)
    if (!scope.ok) return fail(scope.error)
    const { files, outside } = await findFiles(scope.base, scope.pattern, scope.within)
    const shown = files.slice(0, GLOB_LIMIT).map((f) => displayPath(ctx, f.file))
    const more = files.length > GLOB_LIMIT ? `\n\n(${files.length - GLOB_LIMIT} more; narrow the pattern)` : ""
    return {
      title: args.pattern,
      output: (shown.length ? shown.join("\n") + more : "No files found.") + outsideNote(outside),
      metadata: { count: files.length, truncated: files.length > GLOB_LIMIT },
    }
  },
})
