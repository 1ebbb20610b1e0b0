/** A place in a text: 0-based offset, 1-based line and column (in UTF-16 code units). */
export type Position = { offset: number; line: number; column: number }

/** A key path into a JSON document: object keys and array indices. */
export type JsonPath = readonly PropertyKey[]

export type JsoncDocument =
  | {
      ok: true
      value: unknown
      /** Where the value at `path` is named in the text: its key, or the start of an array element. */
      locate(path: JsonPath): Position | undefined
    }
  | { ok: false; message: string; position: Position }

/** A syntax error of a JSONC text, with where it is. */
export class JsoncSyntaxError extends SyntaxError {
  override name = "JsoncSyntaxError"
  constructor(
    message: string,
    readonly position: Position,
  ) {
    super(`${message} at line ${position.line}, column ${position.column}`)
  }
}

/** The line and column of an offset in `text`. */
export function positionAt(text: string, offset: number): Position {
  let line = 1
  let start = 0
  for (let i = text.indexOf("\n"); i >= 0 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++
    start = i + 1
  }
  return { offset, line, column: offset - start + 1 }
}

const pathKey = (path: JsonPath) => JSON.stringify(path.map((part) => (typeof part === "number" ? part : String(part))))

/** Stops the parse with a message about the text at `at`. */
class Stop {
  constructor(
    readonly message: string,
    readonly at: number,
  ) {}
}

/**
 * Parses JSON with comments and trailing commas (the `.jsonc` dialect opencode accepts), keeping
 * where each key is. Never throws: a syntax error is a value with its position.
 */
export function parseJsoncDocument(text: string): JsoncDocument {
  const keys = new Map<string, number>()
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0

  const describe = (at: number) => {
    if (at >= text.length) return "the end of the file"
    const c = text[at]!
    if (c === '"') return "a string"
    if (c === "-" || (c >= "0" && c <= "9")) return "a number"
    const word = /^[A-Za-z_$][\w$]*/.exec(text.slice(at, at + 40))?.[0]
    return word ? `"${word}"` : JSON.stringify(c)
  }

  const skip = () => {
    while (i < text.length) {
      const c = text[i]
      if (c === " " || c === "\t" || c === "\n" || c === "\r") i++
      else if (c === "/" && text[i + 1] === "/") {
        while (i < text.length && text[i] !== "\n") i++
      } else if (c === "/" && text[i + 1] === "*") {
        const end = text.indexOf("*/", i + 2)
        if (end < 0) throw new Stop("unterminated /* comment", i)
        i = end + 2
      } else return
    }
  }

  const string = () => {
    const start = i++
    while (true) {
      if (i >= text.length) throw new Stop("unterminated string", start)
      const c = text.charCodeAt(i)
      if (c === 0x22) break
      if (c === 0x0a || c === 0x0d) throw new Stop("unterminated string (a string cannot span lines)", start)
      if (c < 0x20) throw new Stop("control character in a string (write it as an escape, e.g. \\t)", i)
      if (c === 0x5c) {
        const e = text[i + 1]
        if (e === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6)))
            throw new Stop("invalid \\u escape (four hex digits expected)", i)
          i += 6
          continue
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) throw new Stop(`invalid escape \\${e ?? ""}`, i)
        i += 2
        continue
      }
      i++
    }
    i++
    return JSON.parse(text.slice(start, i)) as string
  }

  const number = () => {
    const match = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 400))
    if (!match) throw new Stop(`invalid number`, i)
    i += match[0].length
    if (/[\w.]/.test(text[i] ?? "")) throw new Stop(`invalid number`, i - match[0].length)
    return Number(match[0])
  }

  const value = (path: JsonPath): unknown => {
    skip()
    const c = text[i]
    if (c === "{") return object(path)
    if (c === "[") return array(path)
    if (c === '"') return string()
    if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) return number()
    for (const [word, result] of [
      ["true", true],
      ["false", false],
      ["null", null],
    ] as const)
      if (text.startsWith(word, i) && !/[\w$]/.test(text[i + word.length] ?? "")) {
        i += word.length
        return result
      }
    throw new Stop(`expected a value, found ${describe(i)}`, i)
  }

  const object = (path: JsonPath) => {
    const result: Record<string, unknown> = {}
    i++
    skip()
    if (text[i] === "}") {
      i++
      return result
    }
    while (true) {
      if (text[i] !== '"') throw new Stop(`expected a property name in double quotes, found ${describe(i)}`, i)
      const at = i
      const key = string()
      skip()
      if (text[i] !== ":") throw new Stop(`expected ":" after "${key}", found ${describe(i)}`, i)
      i++
      const inner = [...path, key]
      keys.set(pathKey(inner), at)
      // defineProperty, not assignment: a "__proto__" key is data, as JSON.parse keeps it.
      Object.defineProperty(result, key, { value: value(inner), enumerable: true, writable: true, configurable: true })
      skip()
      if (text[i] === ",") {
        i++
        skip()
        if (text[i] === "}") break
        continue
      }
      if (text[i] === "}") break
      if (text[i] === '"') throw new Stop(`missing "," before this property`, i)
      throw new Stop(`expected "," or "}" after a property, found ${describe(i)}`, i)
    }
    i++
    return result
  }

  const array = (path: JsonPath) => {
    const result: unknown[] = []
    i++
    skip()
    if (text[i] === "]") {
      i++
      return result
    }
    while (true) {
      skip()
      const inner = [...path, result.length]
      keys.set(pathKey(inner), i)
      result.push(value(inner))
      skip()
      if (text[i] === ",") {
        i++
        skip()
        if (text[i] === "]") break
        continue
      }
      if (text[i] === "]") break
      if (i < text.length && /["\d\-[{tfn]/.test(text[i]!)) throw new Stop(`missing "," before this element`, i)
      throw new Stop(`expected "," or "]" after an element, found ${describe(i)}`, i)
    }
    i++
    return result
  }

  try {
    const result = value([])
    skip()
    if (i < text.length) throw new Stop(`unexpected ${describe(i)} after the end of the document`, i)
    return {
      ok: true,
      value: result,
      locate: (path) => {
        const offset = path.length ? keys.get(pathKey(path)) : undefined
        return offset === undefined ? undefined : positionAt(text, offset)
      },
    }
  } catch (error) {
    if (!(error instanceof Stop)) throw error
    return { ok: false, message: error.message, position: positionAt(text, Math.min(error.at, text.length)) }
  }
}

/** Parses JSON with comments and trailing commas; throws a `JsoncSyntaxError` with the position. */
export function parseJsonc(text: string): unknown {
  const document = parseJsoncDocument(text)
  if (!document.ok) throw new JsoncSyntaxError(document.message, document.position)
  return document.value
}
