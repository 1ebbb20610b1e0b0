import { z } from "zod"
import { defineTool, fail } from "./tool"
import { guardPath } from "./path-guard"
import { writeResolved } from "./safe-write"
import description from "./edit.txt" with { type: "text" }

function countLines(text: string) {
  return text ? text.split("\n").length : 0
}

type Args = { filePath: string; oldString: string; newString: string; replaceAll?: boolean }

/** The file's new content after the edit, or why the edit does not apply to `before`. */
function apply(args: Args, exists: boolean, before: string): { after: string } | { error: string } {
  if (args.oldString === "") {
    if (exists && before.length)
      return { error: `${args.filePath} exists and is not empty; give the oldString to replace` }
    return { after: args.newString }
  }
  if (!exists) return { error: `file not found: ${args.filePath}` }
  const count = before.split(args.oldString).length - 1
  if (count === 0)
    return { error: `oldString was not found in ${args.filePath}; read the file and copy the text exactly` }
  if (count > 1 && !args.replaceAll)
    return {
      error: `oldString occurs ${count} times in ${args.filePath}; add surrounding lines to make it unique, or set replaceAll`,
    }
  const after = args.replaceAll
    ? before.split(args.oldString).join(args.newString)
    : before.replace(args.oldString, () => args.newString)
  return { after }
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
    const versions = ctx.fileVersions
    /** Reads the file as it is now and works out the edit, refusing a file changed since this session saw it. */
    const prepare = async () => {
      const file = Bun.file(guarded.path)
      const exists = await file.exists()
      const before = exists ? await file.text() : ""
      const stale =
        exists && args.oldString !== "" ? versions.stale(ctx.sessionID, guarded.path, before, relative) : undefined
      return stale ? { error: stale } : apply(args, exists, before)
    }
    const checked = await prepare()
    if ("error" in checked) return fail(checked.error)
    const permission = await ctx.ask({ permission: "edit", patterns: [relative], metadata: { filePath: guarded.path } })
    if (!permission.granted) return fail(permission.reason)
    const written = await versions.exclusive(guarded.path, async () => {
      const edit = await prepare()
      if ("error" in edit) return edit
      const error = await writeResolved(guarded.path, edit.after)
      if (error) return { error }
      versions.wrote(ctx.sessionID, guarded.path, edit.after)
      return edit
    })
    if ("error" in written) return fail(written.error)
    const removed = countLines(args.oldString)
    const added = countLines(args.newString)
    return {
      title: relative,
      output: `Edited ${relative}: -${removed} +${added} lines.`,
      metadata: { additions: added, deletions: removed },
    }
  },
})
