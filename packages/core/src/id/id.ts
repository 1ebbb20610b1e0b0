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

const SPAN = 0x1000000000000n

/**
 * A prefixed id that sorts newest first, as opencode's session ids do: the complement of the
 * ascending value, so a later id is a smaller one. Clients list and page sessions by it.
 */
export function descending(prefix: Prefix, now = Date.now()) {
  const ascendingValue = BigInt(
    `0x${ascending(prefix, now).slice(prefixes[prefix].length + 1, prefixes[prefix].length + 13)}`,
  )
  const value = SPAN - 1n - ascendingValue
  return `${prefixes[prefix]}_${value.toString(16).padStart(12, "0")}${random(14)}`
}

/** True when `id` carries the prefix of `kind`. */
export function hasPrefix(kind: Prefix, id: string) {
  return id.startsWith(prefixes[kind] + "_")
}

/** True when `id` has the shape of an ascending id of `kind`: its prefix, 12 hex digits, 14 characters. */
export function isAscendingId(kind: Prefix, id: string) {
  return new RegExp(`^${prefixes[kind]}_[0-9a-f]{12}[0-9A-Za-z]{14}$`).test(id)
}

/** The greatest id of `kind` that `ascending` could make at `time`, without making one. */
export function latestIdAt(kind: Prefix, time: number) {
  const value = BigInt(time) * 0x1000n + 0xfffn
  return `${prefixes[kind]}_${value.toString(16).padStart(12, "0").slice(-12)}${"z".repeat(14)}`
}
