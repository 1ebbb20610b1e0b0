import { z } from "zod"
import { stat } from "node:fs/promises"
import { defineTool, fail } from "./tool"
import { guardPath } from "./path-guard"
import template from "./read.txt" with { type: "text" }

export const DEFAULT_LIMIT = 2000
export const MAX_LINE = 2000

export const ReadTool = defineTool({
  id: "read",
  description: template
    .replaceAll("{{DEFAULT_LIMIT}}", String(DEFAULT_LIMIT))
    .replaceAll("{{MAX_LINE}}", String(MAX_LINE)),
  parameters: z.object({
    filePath: z.string().min(1).describe("The file to read"),
    offset: z.number().int().min(1).optional().describe("The line to start from (1-based)"),
    limit: z.number().int().min(1).optional().describe(`How many lines to read (default ${DEFAULT_LIMIT})`),
  }),
  async execute(args, ctx) {
    const guarded = await guardPath(ctx, args.filePath)
    if (!guarded.ok) return fail(guarded.error)
    const file = guarded.path
    const info = await stat(file).catch(() => undefined)
    if (!info) return fail(`file not found: ${args.filePath}`)
    if (info.isDirectory()) return fail(`${args.filePath} is a directory; use the list tool to see its contents`)
    const permission = await ctx.ask({ permission: "read", patterns: [file] })
    if (!permission.granted) return fail(permission.reason)
    const bytes = new Uint8Array(await Bun.file(file).arrayBuffer())
    if (bytes.subarray(0, 8000).includes(0)) return fail(`${args.filePath} is a binary file`)
    const text = new TextDecoder().decode(bytes)
    ctx.fileVersions.remember(ctx.sessionID, file, text)
    const lines = text.split("\n")
    if (lines.at(-1) === "") lines.pop()
    const start = (args.offset ?? 1) - 1
    const limit = args.limit ?? DEFAULT_LIMIT
    const shown = lines.slice(start, start + limit)
    const body = shown.map(
      (line, i) => `${start + i + 1}: ${line.length > MAX_LINE ? line.slice(0, MAX_LINE) + "…" : line}`,
    )
    const more = start + shown.length < lines.length
    const tail = more
      ? `\n\n(${lines.length - start - shown.length} more lines; continue with offset ${start + shown.length + 1})`
      : `\n\n(end of file, ${lines.length} lines)`
    return {
      title: guarded.relative,
      output: (body.join("\n") || "(empty file)") + tail,
      metadata: { lines: shown.length, truncated: more },
    }
  },
})
