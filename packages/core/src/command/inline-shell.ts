import { capOutput, MAX_OUTPUT } from "../tool/bash"
import { parseCommandLine } from "../tool/bash-commands"

/** How long one inline command of a template may run. */
export const INLINE_TIMEOUT_MS = 30_000

const INLINE = /!`([^`]+)`/g

/**
 * Replaces each `` !`command` `` of a template with what the command prints (stdout and stderr),
 * run with bash in `cwd`. A command runs only when the bash permission rules allow every command
 * of its line without asking (`allowed`): there is no tool call to hang an ask on, so anything
 * else is replaced by a note saying it was refused.
 */
export async function runInlineCommands(
  template: string,
  input: { cwd: string; allowed(commands: string[]): boolean },
): Promise<string> {
  const found = [...template.matchAll(INLINE)].map((match) => match[1]!)
  if (!found.length) return template
  const outputs = await Promise.all(found.map((command) => inline(command, input)))
  let index = 0
  return template.replace(INLINE, () => outputs[index++]!)
}

async function inline(command: string, input: { cwd: string; allowed(commands: string[]): boolean }) {
  const line = await parseCommandLine(command)
  if (!line.ok || !input.allowed(line.commands))
    return `[command not run: the bash permission rules do not allow \`${command}\` without asking]`
  const child = Bun.spawn(["bash", "-c", command], {
    cwd: input.cwd,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    timeout: INLINE_TIMEOUT_MS,
    env: { ...process.env, TERM: "dumb" },
  })
  const [out, err] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text()])
  await child.exited
  return capOutput(out + err, MAX_OUTPUT)
}
