import { expect, test } from "bun:test"
import fc from "fast-check"
import { JsoncSyntaxError, parseJsonc, parseJsoncDocument, positionAt } from "../../src/config/jsonc"

const failure = (text: string) => {
  const document = parseJsoncDocument(text)
  if (document.ok) throw new Error(`expected a syntax error in ${text}`)
  return { message: document.message, line: document.position.line, column: document.position.column }
}

test("any JSON text parses as JSON.parse parses it", () => {
  fc.assert(
    fc.property(fc.jsonValue(), fc.constantFrom(0, 2), (value, indent) => {
      const text = JSON.stringify(value, null, indent)
      expect(parseJsonc(text)).toEqual(JSON.parse(text))
    }),
  )
})

test("strings are data: comment markers, escapes and quotes inside them are kept", () => {
  fc.assert(
    fc.property(fc.string({ unit: "binary" }), (s) => {
      expect(parseJsonc(`{ /* c */ "k": ${JSON.stringify(s)}, // c\n }`)).toEqual({ k: s })
    }),
  )
  expect(parseJsonc(String.raw`{ "a": "x // y /* z */ \" \\", "b": "\u00e9\n" }`)).toEqual({
    a: 'x // y /* z */ " \\',
    b: "é\n",
  })
})

test("comments, trailing commas and a byte-order mark are accepted", () => {
  expect(parseJsonc('\ufeff{ // c\n "a": [1, 2,], /* b\n */ "b": { "c": null, }, }')).toEqual({
    a: [1, 2],
    b: { c: null },
  })
})

test('"__proto__" is an ordinary key, as in JSON.parse', () => {
  const value = parseJsonc('{ "__proto__": { "polluted": true } }') as Record<string, unknown>
  expect(Object.getPrototypeOf(value)).toBe(Object.prototype)
  expect(Object.keys(value)).toEqual(["__proto__"])
  expect(({} as Record<string, unknown>).polluted).toBeUndefined()
})

test("syntax errors say what is wrong, with the line and column where it is", () => {
  expect(failure('{\n  "model": "a/b"\n  "permission": {}\n}')).toEqual({
    message: 'missing "," before this property',
    line: 3,
    column: 3,
  })
  expect(failure("[1 2]")).toMatchObject({ message: 'missing "," before this element', column: 4 })
  expect(failure('{ "a": 1,, }')).toMatchObject({ message: expect.stringContaining("property name"), column: 10 })
  expect(failure('{ "a": tru }')).toMatchObject({ message: 'expected a value, found "tru"', column: 8 })
  expect(failure('{ "a" 1 }')).toMatchObject({ message: 'expected ":" after "a", found a number', column: 7 })
  expect(failure('{ "a": "x\\q" }')).toMatchObject({ message: "invalid escape \\q", column: 10 })
  expect(failure('{ "a": "x\n" }')).toMatchObject({ message: expect.stringContaining("unterminated string"), line: 1 })
  expect(failure('{ "a": 01 }')).toMatchObject({ message: "invalid number", column: 8 })
  expect(failure('{ "a": 1 /* open')).toMatchObject({ message: "unterminated /* comment", column: 10 })
  expect(failure('{ "a": 1 } x')).toMatchObject({ message: expect.stringContaining("after the end"), column: 12 })
  expect(failure("  // only a comment\n")).toMatchObject({ message: expect.stringContaining("end of the file") })
  expect(() => parseJsonc("{")).toThrow(JsoncSyntaxError)
})

test("whatever JSON.parse rejects is rejected, never accepted by mistake", () => {
  fc.assert(
    fc.property(
      fc.jsonValue(),
      fc.nat(),
      fc.constantFrom("", "}", "]", ":", '"', "x", "\\", "1.", "--"),
      (v, at, junk) => {
        const text = JSON.stringify(v)
        const broken = text.slice(0, at % (text.length + 1)) + junk + text.slice(at % (text.length + 1))
        let valid = true
        try {
          JSON.parse(broken)
        } catch {
          valid = false
        }
        // A trailing comma is the one thing JSONC allows that JSON does not; none of the junk adds one.
        if (!valid) expect(parseJsoncDocument(broken).ok).toBe(false)
      },
    ),
  )
})

test("each key's position is kept, through comments and nested values", () => {
  const text = '{\n  // note\n  "a": { "b": [10, { "c": "}" }] },\n\t"d": 1\n}'
  const document = parseJsoncDocument(text)
  if (!document.ok) throw new Error(document.message)
  expect(document.locate(["a"])).toMatchObject({ line: 3, column: 3 })
  expect(document.locate(["a", "b"])).toMatchObject({ line: 3, column: 10 })
  expect(document.locate(["a", "b", 1])).toMatchObject({ line: 3, column: 20 })
  expect(document.locate(["a", "b", 1, "c"])).toMatchObject({ line: 3, column: 22 })
  expect(document.locate(["d"])).toMatchObject({ line: 4, column: 2 })
  expect(document.locate(["nope"])).toBeUndefined()
  expect(positionAt("ab\ncd", 4)).toEqual({ offset: 4, line: 2, column: 2 })
})
