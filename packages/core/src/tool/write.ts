import { z } from "zod"
import { defineTool, fail } from "./tool"
import { guardPath } from "./path-guard"
import { writeResolved } from "./safe-write"
import description from "./write.txt" with { type: "text" }

export const WriteTool = defineTool({
  id: "write",
  description,
  parameters: z.object({
    filePath: z.string().min(1).describe("The file to write"),
    content: z.string().describe("The whole new content of the file"),
  }),
  async execute(args, ctx) {
    const guarded = await guardPath(ctx, args.filePath)
    if (!guarded.ok) return fail(guarded.error)
    const relative = guarded.relative
    const permission = await ctx.ask({ permission: "edit", patterns: [relative], metadata: { filePath: guarded.path } })
    if (!permission.granted) return fail(permission.reason)
    const existed = await Bun.file(guarded.path).exists()
    const failure = await writeResolved(guarded.path, args.content)
    if (failure) return fail(failure)
    return {
      title: relative,
      output: `${existed ? "Overwrote" : "Created"} ${relative} (${args.content.length} characters).`,
      metadata: { created: !existed },
    }
  },
})
