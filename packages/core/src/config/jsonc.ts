/** Parses JSON with comments and trailing commas (the `.jsonc` dialect opencode accepts). */
export function parseJsonc(text: string): unknown {
  let out = ""
  let i = 0
  let inString = false
  while (i < text.length) {
    const c = text[i]!
    const next = text[i + 1]
    if (inString) {
      out += c
      if (c === "\\") {
        out += next ?? ""
        i += 2
        continue
      }
      if (c === '"') inString = false
      i++
      continue
    }
    if (c === '"') {
      inString = true
      out += c
      i++
      continue
    }
    if (c === "/" && next === "/") {
      while (i < text.length && text[i] !== "\n") i++
      continue
    }
    if (c === "/" && next === "*") {
      i += 2
      while (i < text.length && !(text[i] === "*" && text[i + 1] === "/")) i++
      i += 2
      continue
    }
    out += c
    i++
  }
  return JSON.parse(out.replace(/,(\s*[}\]])/g, "$1"))
}
