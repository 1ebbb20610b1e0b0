import { z } from "zod"
import { addTokens, emptyTokens, Tokens } from "../session/message"
import type { Store } from "../session/store"
import type { Ledger } from "./ledger"

/** What a session and every session below it have spent, and how much of that tree runs now. */
export const TreeUsage = z
  .object({
    tokens: Tokens.omit({ total: true }),
    /** Cost in the providers' currency (USD), summed over the tree. */
    cost: z.number(),
    /** Model calls made, summed over the tree. */
    steps: z.number(),
    /** Background tasks of the tree that are running now. */
    running: z.number(),
  })
  .meta({ id: "TreeUsage" })
export type TreeUsage = z.infer<typeof TreeUsage>

/** Sums the usage of `sessionID` and all its descendants; undefined for an unknown session. */
export function treeUsage(store: Store, ledger: Ledger, sessionID: string): TreeUsage | undefined {
  const root = store.getSession(sessionID)
  if (!root) return undefined
  let tokens = emptyTokens()
  let cost = 0
  let steps = 0
  let running = 0
  const pending = [root]
  for (let session = pending.pop(); session; session = pending.pop()) {
    tokens = addTokens(tokens, session.tokens)
    cost += session.cost
    steps += store.stepCount(session.id)
    running += ledger.listByParent(session.id).filter((task) => task.state === "running").length
    pending.push(...store.children(session.id))
  }
  const { total: _, ...counted } = tokens
  return { tokens: counted, cost, steps, running }
}
