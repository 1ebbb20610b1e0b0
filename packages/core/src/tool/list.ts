import { z } from "zod"
import path from "node:path"
import { stat } from "node:fs/promises"
import { defineTool, fail } from "./tool"
import { guardPath, isInside, projectRoot, resolveReal } from "./path-guard"
import { IGNORED, outsideNote } from "./walk"
import template from "./list.txt" with { type: "text" }

export const LIST_LIMIT = 100

export const ListTool = defineTool({
  id: "list",
  description: template.replaceAll("{{LIMIT}}", String(LIST_LIMIT)),
  parameters: z.object({
    path: z.string().optional().describe("The directory to list (default: the project directory)"),
    ignore: z.array(z.string()).optional().describe("Glob patterns to skip"),
  }),
  async execute(args, ctx) {
    const guarded = await guardPath(ctx, args.path ?? ".")
    if (!guarded.ok) return fail(guarded.error)
    const info = await stat(guarded.path).catch(() => undefined)
    if (!info) return fail(`directory not found: ${args.path ?? "."}`)
    if (!info.isDirectory()) return fail(`${args.path} is a file; use the read tool`)
    const skip = (args.ignore ?? []).map((pattern) => new Bun.Glob(pattern))
    const entries: string[] = []
    const within = [projectRoot(ctx), guarded.path]
    let total = 0
    let outside = 0
    const scan = new Bun.Glob("**/*").scan({ cwd: guarded.path, onlyFiles: true, dot: false, followSymlinks: false })
    for await (const relative of scan) {
      if (relative.split(path.sep).some((segment) => IGNORED.includes(segment))) continue
      if (skip.some((glob) => glob.match(relative))) continue
      const real = resolveReal(guarded.path, relative)
      if (!real || !within.some((root) => isInside(root, real))) {
        outside++
        continue
      }
      total++
      if (entries.length < LIST_LIMIT) entries.push(relative)
    }
    entries.sort()
    const lines: string[] = [`${guarded.path}/`]
    let previous: string[] = []
    for (const entry of entries) {
      const parts = entry.split(path.sep)
      let shared = 0
      while (shared < parts.length - 1 && parts[shared] === previous[shared]) shared++
      for (let depth = shared; depth < parts.length - 1; depth++)
        lines.push(`${"  ".repeat(depth + 1)}${parts[depth]}/`)
      lines.push(`${"  ".repeat(parts.length)}${parts.at(-1)}`)
      previous = parts
    }
    if (total > LIST_LIMIT) lines.push(`\n(${total - LIST_LIMIT} more entries; list a subfolder)`)
    return {
      title: guarded.relative,
      output: lines.join("\n") + outsideNote(outside),
      metadata: { count: total, truncated: total > LIST_LIMIT },
    }
  },
})
