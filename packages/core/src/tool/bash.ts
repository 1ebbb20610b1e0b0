import { z } from "zod"
import { defineTool, fail } from "./tool"
import path from "node:path"
import { guardPath } from "./path-guard"
import { parseCommandLine } from "./bash-commands"
import template from "./bash.txt" with { type: "text" }

export const DEFAULT_TIMEOUT = 120_000
export const MAX_TIMEOUT = 600_000
export const MAX_OUTPUT = 30_000
const PROGRESS_MS = 100

/** Keeps the start and the end of long output, saying how much was cut. */
export function capOutput(text: string, max = MAX_OUTPUT) {
  if (text.length <= max) return text
  const half = Math.floor(max / 2)
  return `${text.slice(0, half)}\n\n[… ${text.length - max} characters cut …]\n\n${text.slice(-half)}`
}

export const BashTool = defineTool({
  id: "bash",
  description: template
    .replaceAll("{{DEFAULT_TIMEOUT}}", String(DEFAULT_TIMEOUT))
    .replaceAll("{{MAX_TIMEOUT}}", String(MAX_TIMEOUT))
    .replaceAll("{{MAX_OUTPUT}}", String(MAX_OUTPUT)),
  parameters: z.object({
    command: z.string().min(1).describe("The command to run"),
    description: z.string().optional().describe("What the command does, in 5-10 words"),
    timeout: z.number().int().min(1).max(MAX_TIMEOUT).optional().describe("Timeout in milliseconds"),
    workdir: z.string().optional().describe("Directory to run in (default: the project directory)"),
  }),
  async execute(args, ctx) {
    let cwd = ctx.directory
    if (args.workdir) {
      const guarded = await guardPath(ctx, args.workdir)
      if (!guarded.ok) return fail(guarded.error)
      cwd = guarded.path
    }
    const line = await parseCommandLine(args.command)
    const permission = await ctx.ask({
      permission: "bash",
      patterns: line.ok && line.commands.length ? line.commands : [args.command],
      metadata: line.ok ? { command: args.command } : { command: args.command, unparsed: line.reason },
      askEvenIfAllowed: !line.ok,
    })
    if (!permission.granted) return fail(line.ok ? permission.reason : `${line.reason}; ${permission.reason}`)
    if (line.ok)
      for (const word of [...line.directories, ...line.redirects]) {
        const guarded = await guardPath(ctx, path.resolve(cwd, word))
        if (!guarded.ok) return fail(guarded.error)
      }
    if (ctx.abort.aborted) return fail("aborted before the command started")
    const child = Bun.spawn(["bash", "-c", args.command], {
      cwd,
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
      detached: true,
      env: { ...process.env, TERM: "dumb" },
    })
    let output = ""
    let ended: "timeout" | "abort" | undefined
    const kill = (why: "timeout" | "abort") => {
      ended ??= why
      try {
        process.kill(-child.pid, "SIGKILL")
      } catch {
        child.kill("SIGKILL")
      }
    }
    const timer = setTimeout(() => kill("timeout"), args.timeout ?? DEFAULT_TIMEOUT)
    const onAbort = () => kill("abort")
    ctx.abort.addEventListener("abort", onAbort, { once: true })
    let lastProgress = 0
    const collect = async (stream: ReadableStream<Uint8Array>) => {
      const decoder = new TextDecoder()
      for await (const chunk of stream) {
        output += decoder.decode(chunk, { stream: true })
        if (output.length > MAX_OUTPUT * 4) output = capOutput(output, MAX_OUTPUT * 2)
        const now = Date.now()
        if (now - lastProgress >= PROGRESS_MS) {
          lastProgress = now
          ctx.progress({ metadata: { output: output.slice(-2000) } })
        }
      }
    }
    await Promise.all([collect(child.stdout), collect(child.stderr)])
    const code = await child.exited
    clearTimeout(timer)
    ctx.abort.removeEventListener("abort", onAbort)
    const body = capOutput(output) || "(no output)"
    if (ended === "timeout")
      return fail(`${body}\n\nThe command timed out after ${args.timeout ?? DEFAULT_TIMEOUT} ms and was killed.`)
    if (ended === "abort") return fail(`${body}\n\nThe command was aborted.`)
    return {
      title: args.description ?? args.command,
      output: code === 0 ? body : `${body}\n\nExit code: ${code}`,
      metadata: { exit: code, description: args.description },
    }
  },
})
