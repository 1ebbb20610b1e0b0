import { z } from "zod"
import { defineTool, fail } from "./tool"
import { guardPath } from "./path-guard"
import { writeResolved } from "./safe-write"
import description from "./edit.txt" with { type: "text" }

function countLines(text: string) {
  return text ? text.split("\n").length : 0
}

export const EditTool = defineTool({
  id: "edit",
  description,
  parameters: z.object({
    filePath: z.string().min(1).describe("The file to change"),
    oldString: z.string().describe("The exact text to replace"),
    newString: z.string().describe("The text to put in its place"),
    replaceAll: z.boolean().optional().describe("Replace every occurrence instead of exactly one"),
  }),
  async execute(args, ctx) {
    if (args.oldString === args.newString) return fail("oldString and newString are the same; nothing to change")
    const guarded = await guardPath(ctx, args.filePath)
    if (!guarded.ok) return fail(guarded.error)
    const relative = guarded.relative
    const file = Bun.file(guarded.path)
    const exists = await file.exists()
    if (!exists && args.oldString !== "") return fail(`file not found: ${args.filePath}`)
    const before = exists ? await file.text() : ""
    let after: string
    if (args.oldString === "") {
      if (exists && before.length)
        return fail(`${args.filePath} exists and is not empty; give the oldString to replace`)
      after = args.newString
    } else {
      const count = before.split(args.oldString).length - 1
      if (count === 0)
        return fail(`oldString was not found in ${args.filePath}; read the file and copy the text exactly`)
      if (count > 1 && !args.replaceAll)
        return fail(
          `oldString occurs ${count} times in ${args.filePath}; add surrounding lines to make it unique, or set replaceAll`,
        )
      after = args.replaceAll
        ? before.split(args.oldString).join(args.newString)
        : before.replace(args.oldString, () => args.newString)
    }
    const permission = await ctx.ask({ permission: "edit", patterns: [relative], metadata: { filePath: guarded.path } })
    if (!permission.granted) return fail(permission.reason)
    const failure = await writeResolved(guarded.path, after)
    if (failure) return fail(failure)
    const removed = countLines(args.oldString)
    const added = countLines(args.newString)
    return {
      title: relative,
      output: `Edited ${relative}: -${removed} +${added} lines.`,
      metadata: { additions: added, deletions: removed },
    }
  },
})
