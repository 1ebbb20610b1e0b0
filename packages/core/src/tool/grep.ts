import { z } from "zod"
import { defineTool, fail } from "./tool"
import { displayPath } from "./path-guard"
import { searchScope } from "./search-scope"
import { findFiles, outsideNote } from "./walk"
import template from "./grep.txt" with { type: "text" }

export const GREP_LIMIT = 100
const MAX_FILE_BYTES = 2_000_000

export const GrepTool = defineTool({
  id: "grep",
  description: template.replaceAll("{{LIMIT}}", String(GREP_LIMIT)),
  parameters: z.object({
    pattern: z.string().min(1).describe("The regular expression to search for"),
    path: z.string().optional().describe("The directory to search (default: the project directory)"),
    include: z.string().optional().describe("Only search files matching this glob"),
  }),
  async execute(args, ctx) {
    let regex: RegExp
    try {
      regex = new RegExp(args.pattern)
    } catch (error) {
      return fail(`invalid regular expression: ${error instanceof Error ? error.message : String(error)}`)
    }
    const include = args.include ? (/[\\/]/.test(args.include) ? args.include : `**/${args.include}`) : "**/*"
    const scope = await searchScope(ctx, args.path ?? ".", include)
    if (!scope.ok) return fail(scope.error)
    const { files, outside } = await findFiles(scope.base, scope.pattern, scope.within)
    const matches: string[] = []
    let total = 0
    for (const { file } of files) {
      const handle = Bun.file(file)
      if (handle.size > MAX_FILE_BYTES) continue
      const bytes = new Uint8Array(await handle.arrayBuffer())
      if (bytes.subarray(0, 8000).includes(0)) continue
      const lines = new TextDecoder().decode(bytes).split("\n")
      lines.forEach((line, i) => {
        if (!regex.test(line)) return
        total++
        if (matches.length < GREP_LIMIT) matches.push(`${displayPath(ctx, file)}:${i + 1}: ${line.slice(0, 500)}`)
      })
    }
    const more = total > GREP_LIMIT ? `\n\n(${total - GREP_LIMIT} more matches; narrow the pattern or path)` : ""
    return {
      title: args.pattern,
      output: (matches.length ? matches.join("\n") + more : "No matches found.") + outsideNote(outside),
      metadata: { matches: total, truncated: total > GREP_LIMIT },
    }
  },
})
