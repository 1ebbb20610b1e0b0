import { Language, Parser, type Node } from "web-tree-sitter"

/** What one command line would run, as the shell grammar reads it. */
export type CommandLine =
  | {
      ok: true
      /** Every simple command the line would run, outermost first, each as written. */
      commands: string[]
      /** Files the line redirects output or input to or from, as written. */
      redirects: string[]
      /** Directories `cd`/`pushd` would move to, as written. */
      directories: string[]
    }
  | { ok: false; reason: string }

let loading: Promise<Parser> | undefined

/** The bash grammar, loaded once per process from the wasm build its npm package ships. */
function parser() {
  loading ??= (async () => {
    await Parser.init()
    const language = await Language.load(require.resolve("tree-sitter-bash/tree-sitter-bash.wasm"))
    return new Parser().setLanguage(language)
  })()
  return loading
}

/**
 * Nodes that run a program or a builtin: each is held against the permission rules on its own,
 * as written, leading variable assignments included (`GIT_PAGER=… git log` is not `git log`).
 */
const COMMANDS = new Set(["command", "declaration_command", "unset_command", "test_command"])

/**
 * Parses a bash command line into every command it would run: those joined by `;`, `&&`, `||`,
 * `&` and pipes, inside subshells, groups, functions, loops and conditions, and those nested in
 * `$(…)`, backticks and `<(…)`. A line the grammar cannot read is reported as such, so the
 * caller can ask about it instead of trusting a prefix.
 */
export async function parseCommandLine(line: string): Promise<CommandLine> {
  const tree = (await parser()).parse(line)
  if (!tree) return { ok: false, reason: "the command line could not be parsed" }
  try {
    if (tree.rootNode.hasError) return { ok: false, reason: "the command line is not valid bash" }
    const commands: string[] = []
    const redirects: string[] = []
    const directories: string[] = []
    const visit = (node: Node) => {
      if (COMMANDS.has(node.type)) {
        commands.push(node.text.trim())
        const name = node.childForFieldName("name")?.text
        if (name === "cd" || name === "pushd")
          directories.push(node.childrenForFieldName("argument").find(Boolean)?.text ?? "~")
      }
      if (node.type === "file_redirect") {
        const destination = node.childForFieldName("destination")?.text
        const duplicate = /[<>]&/.test(node.text) && /^(\d+|-)$/.test(destination ?? "")
        if (destination && !duplicate) redirects.push(destination)
      }
      for (const child of node.namedChildren) if (child) visit(child)
    }
    visit(tree.rootNode)
    if (unreadBackquote(line, tree.rootNode))
      return { ok: false, reason: "the command line has a backquote the parser could not place" }
    return { ok: true, commands, redirects, directories }
  } finally {
    tree.delete()
  }
}

/** Nodes whose text the shell takes literally: a backquote inside them runs nothing. */
const LITERAL = new Set(["raw_string", "ansi_c_string", "comment"])

/**
 * True when the line holds a backquote that is neither the edge of a command substitution the
 * grammar read nor inside literal text. The grammar leaves some of them as plain text (in
 * `${x:-`…`}`, or in an unquoted here-document) although bash runs what they enclose.
 */
function unreadBackquote(line: string, root: Node) {
  const placed = new Set<number>()
  const literal: [number, number][] = []
  const visit = (node: Node) => {
    if (LITERAL.has(node.type)) return literal.push([node.startIndex, node.endIndex])
    if (node.type === "command_substitution" && node.text.startsWith("`"))
      placed.add(node.startIndex).add(node.endIndex - 1)
    if (node.type === "heredoc_redirect") {
      const start = node.namedChildren.find((child) => child?.type === "heredoc_start")?.text ?? ""
      const body = node.namedChildren.find((child) => child?.type === "heredoc_body")
      if (/['"\\]/.test(start) && body) literal.push([body.startIndex, body.endIndex])
    }
    for (const child of node.namedChildren) if (child) visit(child)
  }
  visit(root)
  for (let index = line.indexOf("`"); index !== -1; index = line.indexOf("`", index + 1))
    if (!placed.has(index) && !literal.some(([from, to]) => index >= from && index < to)) return true
  return false
}
