// Draws the end-to-end time of both engines against n as an SVG line chart, from the table
// that vs-opencode.ts prints: `bun packages/testing/bench/chart.ts < results.md > docs/vs-opencode.svg`.
const rows = (await new Response(Bun.stdin.stream()).text())
  .split("\n")
  .map((line) => line.split("|").map((cell) => cell.trim()))
  .filter((cells) => cells[2] === "end to end (ms)")
  .map((cells) => ({ n: Number(cells[1]), tandem: Number(cells[3]), opencode: Number(cells[4]) }))
if (!rows.length) throw new Error("no 'end to end (ms)' rows on stdin")

const width = 640
const height = 360
const pad = { left: 70, right: 130, top: 40, bottom: 50 }
const maxN = Math.max(...rows.map((r) => r.n))
const maxY = Math.max(...rows.flatMap((r) => [r.tandem, r.opencode])) * 1.1
const x = (n: number) => pad.left + (n / maxN) * (width - pad.left - pad.right)
const y = (ms: number) => height - pad.bottom - (ms / maxY) * (height - pad.top - pad.bottom)
const line = (key: "tandem" | "opencode") =>
  rows.map((r, i) => `${i ? "L" : "M"}${x(r.n).toFixed(1)},${y(r[key]).toFixed(1)}`).join(" ")
const ticks = Array.from({ length: 6 }, (_, i) => (maxY / 5) * i)
const series: ["tandem" | "opencode", string][] = [
  ["tandem", "#1f77b4"],
  ["opencode", "#d62728"],
]

const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="${width / 2}" y="22" text-anchor="middle" font-size="14">Background fan-out: end-to-end time against number of children</text>
${ticks
  .map(
    (t) => `<line x1="${pad.left}" x2="${width - pad.right}" y1="${y(t)}" y2="${y(t)}" stroke="#ddd"/>
<text x="${pad.left - 8}" y="${y(t) + 4}" text-anchor="end">${(t / 1000).toFixed(1)} s</text>`,
  )
  .join("\n")}
${rows.map((r) => `<text x="${x(r.n)}" y="${height - pad.bottom + 18}" text-anchor="middle">${r.n}</text>`).join("\n")}
<text x="${(pad.left + width - pad.right) / 2}" y="${height - 10}" text-anchor="middle">children (n)</text>
${series
  .map(
    ([key, color], i) => `<path d="${line(key)}" fill="none" stroke="${color}" stroke-width="2"/>
${rows.map((r) => `<circle cx="${x(r.n)}" cy="${y(r[key])}" r="3" fill="${color}"/>`).join("")}
<rect x="${width - pad.right + 15}" y="${pad.top + i * 22}" width="12" height="12" fill="${color}"/>
<text x="${width - pad.right + 33}" y="${pad.top + i * 22 + 11}">${key}</text>`,
  )
  .join("\n")}
</svg>
`
process.stdout.write(svg)

export {}
