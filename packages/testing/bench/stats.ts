/** The q-quantile (0..1) of a sample by the nearest-rank method; NaN for an empty sample. */
export function quantile(values: number[], q: number) {
  if (!values.length) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!
}
