/**
 * Tools that never change the project's files: a step that runs only these takes no snapshot.
 * Any other tool (write, edit, bash, a foreground task whose child works in the same tree, a tool
 * added later) is taken to change files.
 */
export const READ_ONLY_TOOLS: ReadonlySet<string> = new Set(["read", "glob", "grep", "list", "task_status"])
