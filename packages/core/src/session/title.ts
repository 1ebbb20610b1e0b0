import { generateText } from "ai"
import type { Config } from "../config/config"
import type { ModelCache } from "../provider/model-cache"
import { parseModelRef } from "../provider/provider"
import type { UserMessage, WithParts } from "./message"
import type { Store } from "./store"

const INSTRUCTION =
  "Write a title of at most six words for a conversation that begins with the user's message. Answer with the title only."

/**
 * Names a root session after its first message, with the small model (else the prompt's own).
 * Child sessions and later messages keep their title; a failed call leaves it as it was.
 */
export async function generateTitle(
  deps: { store: Store; models: ModelCache; config: Config },
  sessionID: string,
  user: UserMessage,
  history: WithParts[],
) {
  const session = deps.store.getSession(sessionID)
  if (!session || session.parentID || history.filter((m) => m.info.role === "user").length > 1) return
  const text = history.flatMap((m) => m.parts).find((p) => p.type === "text")
  if (!text || text.type !== "text") return
  const ref = deps.config.small_model
  const model = deps.models.get(ref ? parseModelRef(ref) : user.model)
  const result = await generateText({
    model: model.language,
    system: INSTRUCTION,
    prompt: text.text.slice(0, 2000),
    maxRetries: 0,
  }).catch(() => undefined)
  const title = result?.text.trim().split("\n")[0]?.slice(0, 80)
  if (title) deps.store.updateSession(sessionID, (s) => ({ ...s, title }))
}
