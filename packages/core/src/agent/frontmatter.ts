/**
 * Reads the YAML frontmatter of an agent file: scalars, and one level of nested maps
 * (`tools:` / `permission:` blocks). Returns the data and the body after the closing `---`.
 */
export function parseFrontmatter(text: string): { data: Record<string, unknown>; body: string } {
  const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/.exec(text)
  if (!match) return { data: {}, body: text }
  const data: Record<string, unknown> = {}
  let nested: Record<string, unknown> | undefined
  for (const line of match[1]!.split(/\r?\n/)) {
    if (!line.trim() || line.trimStart().startsWith("#")) continue
    const indented = /^\s+/.test(line)
    const pair = /^\s*("?[^":]+"?)\s*:\s*(.*)$/.exec(line)
    if (!pair) continue
    const key = pair[1]!.replace(/^"|"$/g, "")
    const value = pair[2]!.trim()
    if (indented && nested) {
      nested[key] = scalar(value)
      continue
    }
    if (value === "") {
      nested = {}
      data[key] = nested
      continue
    }
    nested = undefined
    data[key] = scalar(value)
  }
  return { data, body: match[2]!.trim() }
}

function scalar(value: string): unknown {
  if (value === "true") return true
  if (value === "false") return false
  if (/^-?\d+(\.\d+)?$/.test(value)) return Number(value)
  return value.replace(/^(["'])(.*)\1$/, "$2")
}
