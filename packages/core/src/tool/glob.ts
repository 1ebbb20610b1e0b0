import { z } from "zod"
import path from "node:path"
import { defineTool, fail } from "./tool"
import { guardPath } from "./path-guard"
import { findFiles } from "./walk"
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
    const guarded = await guardPath(ctx, args.path ?? ".")
    if (!guarded.ok) return fail(guarded.error)
    const files = await findFiles(guarded.path, args.pattern)
    const shown = files.slice(0, GLOB_LIMIT).map((f) => path.relative(ctx.directory, f.file))
    const more = files.length > GLOB_LIMIT ? `\n\n(${files.length - GLOB_LIMIT} more; narrow the pattern)` : ""
    return {
      title: args.pattern,
      output: shown.length ? shown.join("\n") + more : "No files found.",
      metadata: { count: files.length, truncated: files.length > GLOB_LIMIT },
    }
  },
})
