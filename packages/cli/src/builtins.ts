import type { ProviderFactory } from "@tandem/core/provider/provider"
import { scriptedModel } from "@tandem/testing/scripted-model"
import { demoResponder } from "@tandem/testing/demo-script"

/** Providers that ship with the CLI: `scripted`, the demo's model, which needs no key and no network. */
export const builtins: Record<string, ProviderFactory> = {
  scripted: ({ modelID }) => scriptedModel(demoResponder, { provider: "scripted", modelId: modelID }),
}
