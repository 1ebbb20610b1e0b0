const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 })

export const formatInt = (n: number) => integer.format(n)

/** Dollars: four decimals below a cent, so small runs do not read as free. */
export function formatCost(dollars: number) {
  if (dollars === 0) return "$0"
  if (dollars < 0.01) return `$${dollars.toFixed(4)}`
  return `$${dollars.toFixed(2)}`
}

/** A duration as a person reads it: 4.2s, 42s, 3m 05s, 1h 02m. */
export function formatDuration(ms: number) {
  const seconds = Math.max(0, ms) / 1000
  if (seconds < 10) return `${seconds.toFixed(1)}s`
  if (seconds < 60) return `${Math.floor(seconds)}s`
  const minutes = Math.floor(seconds / 60)
  if (minutes < 60) return `${minutes}m ${String(Math.floor(seconds % 60)).padStart(2, "0")}s`
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, "0")}m`
}

/** Escapes text for markup built as a string. */
export function escape(text: string) {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}
