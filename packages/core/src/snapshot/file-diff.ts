import { z } from "zod"

/** One file's change between two snapshots, in opencode 1.18.33's shape. */
export const SnapshotFileDiff = z
  .object({
    /** The path, relative to the project directory. */
    file: z.string(),
    /** The unified diff of this file (empty for a binary file). */
    patch: z.string(),
    additions: z.number(),
    deletions: z.number(),
    status: z.enum(["added", "deleted", "modified"]),
  })
  .meta({ id: "SnapshotFileDiff" })
export type SnapshotFileDiff = z.infer<typeof SnapshotFileDiff>

/** Splits `git diff` output into its per-file sections, keyed by the file's new (or old) path. */
function sections(patch: string) {
  const out = new Map<string, { text: string; status: SnapshotFileDiff["status"] }>()
  for (const section of patch.split(/^(?=diff --git )/m)) {
    if (!section.startsWith("diff --git ")) continue
    const minus = /^--- (?:a\/(.*)|\/dev\/null)$/m.exec(section)
    const plus = /^\+\+\+ (?:b\/(.*)|\/dev\/null)$/m.exec(section)
    const header = /^diff --git a\/(.*) b\/(.*)$/m.exec(section)
    const file = plus?.[1] ?? minus?.[1] ?? header?.[2]
    if (!file) continue
    const status = /^new file mode/m.test(section)
      ? "added"
      : /^deleted file mode/m.test(section)
        ? "deleted"
        : "modified"
    out.set(file, { text: section, status })
  }
  return out
}

/** Joins `git diff --numstat` (counts) with the patch text (status and per-file patch). */
export function parseDiff(numstat: string, patch: string): SnapshotFileDiff[] {
  const bySection = sections(patch)
  return numstat
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [added, removed, ...rest] = line.split("\t")
      const file = rest.join("\t")
      const section = bySection.get(file)
      return {
        file,
        patch: section?.text ?? "",
        additions: added === "-" ? 0 : Number(added),
        deletions: removed === "-" ? 0 : Number(removed),
        status: section?.status ?? "modified",
      }
    })
}
