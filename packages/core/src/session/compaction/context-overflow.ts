import type { MessageError } from "../message-error"

/** How providers word a refusal for a prompt larger than the model's context window. */
const OVERFLOW =
  /context[ _-]?(length|window)|maximum context|prompt is too long|input is too long|too many (input )?tokens|exceeds? (the )?(model'?s? )?context/i

/** Whether a failed call was refused because its prompt overflowed the model's context. */
export function isContextOverflow(error: MessageError) {
  return error.name === ("ContextOverflowError" as string) || OVERFLOW.test(error.data.message)
}
