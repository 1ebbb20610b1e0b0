import { randomBytes } from "node:crypto"

/** Prefixes of every kind of id, as opencode spells them. */
export const prefixes = {
  session: "ses",
  message: "msg",
  part: "prt",
  permission: "per",
  task: "tsk",
  event: "evt",
} as const

export type Prefix = keyof typeof prefixes

const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
let lastTime = 0
let counter = 0

function random(length: number) {
  const bytes = randomBytes(length)
  let out = ""
  for (const byte of bytes) out += alphabet[byte % alphabet.length]
  return out
}

/**
 * A prefixed id that sorts by creation time: 12 hex digits of (milliseconds * 4096 + counter),
 * then 14 random characters. Ids made in the same millisecond still sort in creation order.
 */
export function ascending(prefix: Prefix, now = Date.now()) {
  if (now !== lastTime) {
    lastTime = now
    counter = 0
  }
  counter++
  const value = BigInt(now) * 0x1000n + BigInt(counter)
  return `${prefixes[prefix]}_${value.toString(16).padStart(12, "0").slice(-12)}${random(14)}`
}

/** True when `id` carries the prefix of `kind`. */
export function hasPrefix(kind: Prefix, id: string) {
  return id.startsWith(prefixes[kind] + "_")
}
