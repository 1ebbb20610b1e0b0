import { Language, Parser, type Node } from "web-tree-sitter"
import os from "node:os"
import { literalWord } from "./bash-words"

/** What one command line would run, as the shell grammar reads it. */
export type CommandLine =
  | {
      ok: true
      /** Every simple command the line would run, outermost first, each as written. */
      commands: string[]
      /** Files the line redirects output or input to or from, as bash reads the words (fixed words only). */
      redirects: string[]
      /** Directories `cd`/`pushd` would move to, as bash reads the words (fixed words only). */
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
        const target = directoryOf(node)
        if (target !== undefined) directories.push(target)
      }
      if (node.type === "file_redirect") {
        const destination = node.childForFieldName("destination")
        const duplicate = /[<>]&/.test(node.text) && /^(\d+|-)$/.test(destination?.text ?? "")
        const file = destination && !duplicate ? literalWord(destination) : undefined
        if (file !== undefined) redirects.push(file)
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

/**
 * The directory a `cd` or `pushd` command moves to (also behind `builtin` or `command`), options
 * skipped: the home directory when it names none, undefined when it is not a fixed word
 * (`cd -`, `cd $DIR`) or the command is not one of these.
 */
function directoryOf(command: Node): string | undefined {
  const words = [command.childForFieldName("name")?.firstChild, ...command.childrenForFieldName("argument")]
    .filter((word) => word != null)
    .map((node) => ({ node, value: literalWord(node) }))
  while (words[0]?.value === "builtin" || words[0]?.value === "command") words.shift()
  if (words[0]?.value !== "cd" && words[0]?.value !== "pushd") return undefined
  let index = 1
  while (index < words.length && /^[-+]./.test(words[index]!.value ?? "") && words[index]!.value !== "--") index++
  if (words[index]?.value === "--") index++
  const target = words[index]
  if (!target) return os.homedir()
  return target.value === "-" ? undefined : target.value
}
