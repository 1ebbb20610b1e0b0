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
    const versions = ctx.fileVersions
    /** Why this session may not overwrite the file as it is now, if it may not. */
    const stale = async () => {
      const file = Bun.file(guarded.path)
      if (!(await file.exists())) return undefined
      return versions.stale(ctx.sessionID, guarded.path, await file.text(), relative)
    }
    const early = await stale()
    if (early) return fail(early)
    const permission = await ctx.ask({ permission: "edit", patterns: [relative], metadata: { filePath: guarded.path } })
    if (!permission.granted) return fail(permission.reason)
    const outcome = await versions.exclusive(
      guarded.path,
      async (): Promise<{ error: string } | { existed: boolean }> => {
        const existed = await Bun.file(guarded.path).exists()
        const refused = await stale()
        if (refused) return { error: refused }
        const error = await writeResolved(guarded.path, args.content)
        if (error) return { error }
        versions.wrote(ctx.sessionID, guarded.path, args.content)
        return { existed }
      },
    )
    if ("error" in outcome) return fail(outcome.error)
    const { existed } = outcome
    return {
      title: relative,
      output: `${existed ? "Overwrote" : "Created"} ${relative} (${args.content.length} characters).`,
      metadata: { created: !existed },
    }
  },
})
