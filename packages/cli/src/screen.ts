/** Output of a live command: lines that stay, streamed text, and a status area that does not. */
export type Screen = {
  /** Streamed text; it may end mid-line. */
  text(text: string): void
  /** A whole line that stays (a mid-line text is ended first). */
  line(text: string): void
  /** Ends streamed text that stopped mid-line, if it did. */
  end(): void
  /**
   * The status area under everything else, replaced on each call. On a terminal it is redrawn in
   * place; elsewhere it is not shown (a log gets progress lines instead).
   */
  status(lines: string[]): void
  /** Ends a mid-line text and clears the status area. */
  close(): void
}

/** Cuts a line to `width` terminal columns, keeping its colour codes (so it never wraps). */
export function fit(line: string, width: number) {
  if (Bun.stringWidth(line) <= width) return line
  let out = ""
  let used = 0
  for (const [, escape, char] of line.matchAll(/(\x1b\[[0-9;]*m)|([\s\S])/gu)) {
    if (escape) {
      out += escape
      continue
    }
    const w = Bun.stringWidth(char!)
    if (used + w > width - 1) break
    out += char
    used += w
  }
  return out + "…\x1b[0m"
}

/**
 * A screen over `write`. With `tty`, the status area is drawn below the last line and erased
 * before anything else is written (cursor up, clear to the end), so it stays at the bottom. It is
 * not drawn while streamed text is mid-line, since the cursor has to stay at the end of that text.
 */
export function createScreen(write: (text: string) => void, tty: boolean, columns: () => number): Screen {
  let midLine = false
  let drawn = 0
  let status: string[] = []
  const erase = () => {
    const code = drawn ? `\r\x1b[${drawn}A\x1b[J` : ""
    drawn = 0
    return code
  }
  const draw = () => {
    if (!tty || midLine || !status.length) return ""
    drawn = status.length
    return status.map((line) => fit(line, Math.max(10, columns())) + "\n").join("")
  }
  return {
    text(text) {
      if (!text) return
      const out = erase() + text
      midLine = !text.endsWith("\n")
      write(out + draw())
    },
    line(text) {
      const out = erase() + (midLine ? "\n" : "") + text + "\n"
      midLine = false
      write(out + draw())
    },
    end() {
      if (!midLine) return
      midLine = false
      write(erase() + "\n" + draw())
    },
    status(lines) {
      if (!tty) return
      status = lines
      const out = erase() + draw()
      if (out) write(out)
    },
    close() {
      status = []
      const out = erase() + (midLine ? "\n" : "")
      midLine = false
      if (out) write(out)
    },
  }
}
