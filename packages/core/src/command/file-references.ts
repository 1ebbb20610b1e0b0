import { readdirSync, readFileSync, statSync } from "node:fs"
import { pathToFileURL } from "node:url"
import type { PromptInput } from "../session/prompt"
import { capOutput } from "../tool/bash"
import { isInside, projectRoot, resolveReal } from "../tool/path-guard"

/** The most characters of one referenced file the model is sent. */
export const REFERENCE_CHARS = 50_000

/** `@path` not glued to a word or a backtick; a trailing period or comma ends the sentence, not the path. */
const REFERENCE = /(?<![\w`])@(\.?[^\s`,.]*(?:\.[^\s`,.]+)*)/g

type Parts = PromptInput["parts"]

/**
 * The files and directories a template names as `@path`, relative to the project directory, as
 * prompt parts: a `file` part each (what clients show) and a synthetic text part with the file's
 * content or the directory's entries (what the model reads). Names that are not there, or lie
 * outside the project, stay plain text.
 */
export function fileReferences(template: string, directory: string): Parts {
  const parts: Parts = []
  const seen = new Set<string>()
  const root = projectRoot({ directory })
  for (const match of template.matchAll(REFERENCE)) {
    const name = match[1]
    if (!name || seen.has(name)) continue
    seen.add(name)
    // Symlinks are followed before the check, as for the file tools: a link in the project that
    // leads out of it is left as plain text.
    const target = resolveReal(root, name)
    if (!target || !isInside(root, target)) continue
    const stat = statSync(target, { throwIfNoEntry: false })
    if (!stat) continue
    const url = pathToFileURL(target).href
    if (stat.isDirectory()) {
      const entries = readdirSync(target, { withFileTypes: true })
        .map((entry) => (entry.isDirectory() ? `${entry.name}/` : entry.name))
        .sort()
      parts.push({ type: "file", mime: "application/x-directory", url, filename: name })
      parts.push({ type: "text", synthetic: true, text: `Entries of the directory ${name}:\n${entries.join("\n")}` })
      continue
    }
    if (!stat.isFile()) continue
    const content = readFileSync(target)
    const text = content.includes(0)
      ? `${name} is a binary file of ${content.length} bytes; its content is not included.`
      : `Content of ${name}:\n\n${capOutput(content.toString("utf8"), REFERENCE_CHARS)}`
    parts.push({ type: "file", mime: "text/plain", url, filename: name })
    parts.push({ type: "text", synthetic: true, text })
  }
  return parts
}
