import os from "node:os"
import type { Node } from "web-tree-sitter"

/** Escapes `$'…'` knows besides octal, hex and unicode ones. */
const ANSI_ESCAPES: Record<string, string> = { n: "\n", t: "\t", r: "\r", a: "\x07", b: "\b", e: "\x1b", E: "\x1b" }

/** The text of a `$'…'` string once bash has read its escapes. */
function ansiC(body: string) {
  return body.replace(/\\(x[0-9a-fA-F]{1,2}|u[0-9a-fA-F]{1,4}|U[0-9a-fA-F]{1,8}|[0-7]{1,3}|.)/g, (_, code: string) => {
    if (/^[xuU]/.test(code) && code.length > 1) return String.fromCodePoint(parseInt(code.slice(1), 16))
    if (/^[0-7]+$/.test(code)) return String.fromCharCode(parseInt(code, 8))
    return ANSI_ESCAPES[code] ?? code
  })
}

/**
 * The value bash would give a word that expands to one fixed string: quotes removed, escapes
 * read, a leading `~` made the home directory. Undefined for words that hold an expansion, a
 * substitution or a glob, whose value only exists when the line runs.
 */
export function literalWord(node: Node): string | undefined {
  const parts = node.type === "concatenation" ? node.children.filter((child) => child !== null) : [node]
  let value = ""
  for (const [index, part] of parts.entries()) {
    const piece = literalPart(part, index === 0)
    if (piece === undefined) return undefined
    value += piece
  }
  return value
}

function literalPart(node: Node, first: boolean): string | undefined {
  if (node.type === "raw_string") return node.text.slice(1, -1)
  if (node.type === "ansi_c_string") return ansiC(node.text.slice(2, -1))
  if (node.type === "string") {
    if (node.namedChildren.some((child) => child?.type !== "string_content")) return undefined
    return node.text.slice(1, -1).replace(/\\([$`"\\\n])/g, "$1")
  }
  if (node.type !== "word") return undefined
  if (/(^|[^\\])([*?[{]|\$)/.test(node.text)) return undefined
  const value = node.text.replace(/\\(.)/g, "$1")
  if (first && (node.text === "~" || node.text.startsWith("~/"))) return os.homedir() + value.slice(1)
  return first && node.text.startsWith("~") ? undefined : value
}
