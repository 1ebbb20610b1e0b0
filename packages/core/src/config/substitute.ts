import { readFileSync } from "node:fs"
import os from "node:os"
import path from "node:path"

/**
 * `text.replace` with a one-group pattern, also returning a map from offsets of the result back
 * to offsets of `text` (an offset inside a replacement maps to the start of what it replaced).
 */
function replaceMapped(text: string, pattern: RegExp, replace: (captured: string) => string) {
  const edits: { from: number; to: number; written: number; length: number }[] = []
  let shift = 0
  const result = text.replace(pattern, (match: string, captured: string, written: number) => {
    const value = replace(captured)
    edits.push({ from: written + shift, to: written + shift + value.length, written, length: match.length })
    shift += value.length - match.length
    return value
  })
  const original = (offset: number) => {
    let delta = 0
    for (const edit of edits) {
      if (offset < edit.from) break
      if (offset < edit.to) return edit.written
      delta = edit.to - (edit.written + edit.length)
    }
    return offset - delta
  }
  return { text: result, original }
}

/** `substitute`, also mapping each offset of the result back to the text as written. */
export function substituteMapped(
  text: string,
  dir: string,
  env: Record<string, string | undefined>,
  found: (value: string) => void = () => {},
) {
  const put = (value: string) => {
    found(value)
    return JSON.stringify(value).slice(1, -1)
  }
  const envs = replaceMapped(text, /\{env:([^}]+)\}/g, (name) => put(env[name] ?? ""))
  const files = replaceMapped(envs.text, /\{file:([^}]+)\}/g, (file) => {
    const resolved = file.startsWith("~/") ? path.join(os.homedir(), file.slice(2)) : path.resolve(dir, file)
    return put(readFileSync(resolved, "utf8").trim())
  })
  return { text: files.text, original: (offset: number) => envs.original(files.original(offset)) }
}

/**
 * Replaces `{env:VAR}` and `{file:path}` in raw config text, as opencode does. Each value put in
 * is handed to `found`, so it can be kept from ever leaving the engine.
 */
export function substitute(
  text: string,
  dir: string,
  env: Record<string, string | undefined>,
  found: (value: string) => void = () => {},
) {
  return substituteMapped(text, dir, env, found).text
}
