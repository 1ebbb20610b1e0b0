import type { Config } from "../config/config"
import type { ModelRef } from "../session/message"
import {
  defaultModel,
  modelKey,
  parseModelRef,
  resolveModel,
  type ProviderFactory,
  type ResolvedModel,
} from "./provider"

/** The models of one engine, each built on first use and kept: resolving one builds a provider client. */
export class ModelCache {
  private resolved = new Map<string, ResolvedModel>()

  constructor(
    private readonly config: Config,
    private readonly builtins: Record<string, ProviderFactory>,
    private readonly env: Record<string, string | undefined> = process.env,
    /** The fetch provider clients call with, e.g. one with deadlines (`timedFetch`). */
    private readonly fetch?: typeof globalThis.fetch,
  ) {}

  /** The model a reference names; throws ModelNotFoundError when it does not resolve. */
  get(ref: ModelRef): ResolvedModel {
    const key = ref.variant ? `${modelKey(ref)}#${ref.variant}` : modelKey(ref)
    let model = this.resolved.get(key)
    if (!model) {
      model = resolveModel(ref, this.config, this.builtins, this.env, this.fetch)
      this.resolved.set(key, model)
    }
    return model
  }

  /** The model to use when nothing names one: config `model`, else the first configured. */
  defaultRef(): ModelRef {
    return parseModelRef(defaultModel(this.config, this.builtins))
  }
}
