import type { Config } from "../config/config"
import type { ModelRef } from "../session/message"

/** A model's token limits as the config gives them (`provider.<id>.models.<id>.limit`); 0 = unknown. */
export type ModelLimit = { context: number; output: number }

/** The limits of the model a reference names; unknown limits are 0, which turns overflow checks off. */
export function modelLimit(config: Config, ref: ModelRef): ModelLimit {
  const limit = config.provider?.[ref.providerID]?.models?.[ref.modelID]?.limit
  return { context: limit?.context ?? 0, output: limit?.output ?? 0 }
}
