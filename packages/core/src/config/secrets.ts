import { loadConfig, type Config } from "./config"
import { providerKeyVariables } from "../provider/provider"

/** What a masked value is replaced with. */
export const MASK = "[redacted]"

/** Shorter values are too likely to occur by chance in ordinary text to be masked by value. */
const MIN_LENGTH = 4

/** Provider options that name an address, not a credential: shown, with any credentials in them masked. */
export const ADDRESS_OPTIONS = new Set(["baseURL"])

/** Option names whose values are credentials whatever they look like. */
const CREDENTIAL_KEY = /key|token|secret|passw|auth|credential|cookie|signature|headers/i

/**
 * Whether a value written as is in a provider's options is masked by value. Masking replaces a
 * value everywhere, so a plain word (`high`, `auto`, a basic-auth user called `user`) would
 * rewrite the API's own words (a message's role) without hiding anything; such values are kept
 * out of the config routes by key only. Credentials are long and mix letters with digits or
 * signs, or sit under a credential's name.
 */
const credentialLike = (key: string, value: string) =>
  CREDENTIAL_KEY.test(key) || (value.length >= 8 && /[a-z]/i.test(value) && /[^a-z]/i.test(value))

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/**
 * The secret values of one engine: everything `{env:…}` and `{file:…}` put into the config and
 * every provider option value that could be a credential. What leaves the engine (HTTP bodies and events through `maskJson`,
 * logs and errors through `mask`) has each value replaced wherever it appears, whatever key or
 * sentence it sits in.
 */
export class Secrets {
  private values = new Set<string>()
  private pattern: RegExp | undefined

  /** Records a value to mask. Short or non-string values are ignored. */
  add(value: unknown) {
    if (typeof value !== "string" || value.length < MIN_LENGTH || this.values.has(value)) return
    this.values.add(value)
    this.pattern = undefined
  }

  /** Records the provider option values of a config that could be credentials (headers and keys always; addresses by their credentials). */
  addConfig(config: Config) {
    for (const block of Object.values(config.provider ?? {}))
      for (const [key, value] of Object.entries(block.options ?? {})) {
        if (ADDRESS_OPTIONS.has(key) && typeof value === "string") this.addAddress(value)
        else this.addDeep(key, value)
      }
  }

  get size() {
    return this.values.size
  }

  /** `text` with every secret value replaced by the mask. */
  mask(text: string) {
    if (this.values.size === 0) return text
    this.pattern ??= new RegExp(
      [...this.values]
        .sort((a, b) => b.length - a.length)
        .map(escapeRegex)
        .join("|"),
      "g",
    )
    return text.replace(this.pattern, MASK)
  }

  /**
   * A copy of a JSON value with every secret masked in each string, keys included. Masking the
   * strings rather than the serialised text keeps the result valid JSON whatever a secret holds.
   */
  maskJson<T>(value: T): T {
    if (this.values.size === 0) return value
    const walk = (inner: unknown): unknown => {
      if (typeof inner === "string") return this.mask(inner)
      if (Array.isArray(inner)) return inner.map(walk)
      if (!inner || typeof inner !== "object") return inner
      return Object.fromEntries(Object.entries(inner).map(([key, item]) => [this.mask(key), walk(item)]))
    }
    return walk(value) as T
  }

  private addDeep(key: string, value: unknown) {
    if (typeof value === "string") return credentialLike(key, value) && this.add(value)
    if (Array.isArray(value)) return value.forEach((item) => this.addDeep(key, item))
    if (value && typeof value === "object")
      for (const [inner, item] of Object.entries(value)) this.addDeep(CREDENTIAL_KEY.test(key) ? key : inner, item)
  }

  /** The user, password and query of an address are credentials; its host and path are not. */
  private addAddress(address: string) {
    const url = URL.parse(address)
    if (!url) return this.add(address)
    const username = decodeURIComponent(url.username)
    if (username && credentialLike("", username)) this.add(username)
    if (url.password) this.add(decodeURIComponent(url.password))
    for (const value of url.searchParams.values()) this.add(value)
  }
}

/**
 * An engine's config (the one given, or the project's files) with its secrets recorded: every
 * substituted value, every provider option, and the provider keys the environment holds.
 */
export function configWithSecrets(directory: string, env: Record<string, string | undefined>, given?: Config) {
  const secrets = new Secrets()
  const config = given ?? loadConfig(directory, env, secrets)
  if (given) secrets.addConfig(given)
  for (const variable of providerKeyVariables) secrets.add(env[variable])
  return { config, secrets }
}
