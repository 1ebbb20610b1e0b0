/** Splits typed arguments into words: quoted runs ("a b", 'a b') stay one word, without their quotes. */
export function splitArguments(typed: string) {
  const words: string[] = []
  for (const match of typed.matchAll(/"([^"]*)"|'([^']*)'|([^\s"']+)/g)) words.push(match[1] ?? match[2] ?? match[3]!)
  return words
}

/**
 * A command's template with its arguments filled in: `$ARGUMENTS` is everything as typed, `$1`,
 * `$2`… one word each, and the highest-numbered placeholder takes the remaining words too. A
 * placeholder without a word becomes empty. A template with no placeholder gets the arguments
 * appended as a paragraph of their own, so nothing typed is lost.
 */
export function expandTemplate(template: string, typed: string) {
  const words = splitArguments(typed)
  const numbers = [...template.matchAll(/\$(\d+)/g)].map((match) => Number(match[1]))
  const highest = Math.max(0, ...numbers)
  const filled = template
    .replace(/\$(\d+)/g, (_, digits: string) => {
      const n = Number(digits)
      if (n < 1) return ""
      return n === highest ? words.slice(n - 1).join(" ") : (words[n - 1] ?? "")
    })
    .replaceAll("$ARGUMENTS", typed)
  const placeholders = numbers.length > 0 || template.includes("$ARGUMENTS")
  return (placeholders || !typed.trim() ? filled : `${filled}\n\n${typed}`).trim()
}
