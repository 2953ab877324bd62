/**
 * A `TokenStore` in the OS keychain, through `@napi-rs/keyring` (prebuilt binaries of the Rust `keyring`
 * crate): the macOS Keychain, the Windows Credential Manager, the Secret Service on Linux (gnome-keyring,
 * KWallet, KeePassXC). One entry per profile: service `coze-auth:<COZE_AUTH_HOME>`, account the profile name,
 * the credential as its secret.
 *
 * - **Fails closed.** On Linux the entry is pinned to the Secret Service: the crate's automatic fallback, the
 *   kernel keyring (keyutils), forgets everything at reboot. Where no keychain answers, every operation
 *   fails with a `TokenStoreError` saying so and how to choose `COZE_AUTH_STORE=file`; nothing falls back.
 * - **Lock.** The keychain has no lock: `withLock` is `FileTokenStore`'s lock file in `COZE_AUTH_HOME`, so
 *   the processes of one machine (one home) still refresh once. No token file is ever written.
 * - **Loaded on first use.** The native module is imported when the store is first used, so programs and
 *   bundles that never choose the keychain never load it (keep `@napi-rs/keyring` external when bundling).
 * - **Deadline.** Each keychain call is bounded by `timeout` (30 s: a macOS prompt may be waiting for the
 *   user).
 *
 * @since 0.1.0
 */
import * as path from "node:path"
import { TokenStoreError } from "@coze-auth/core/CozeError"
import { type Token, TokenFromJson } from "@coze-auth/core/Token"
import * as TokenStore from "@coze-auth/core/TokenStore"
import * as FileTokenStore from "@coze-auth/node/FileTokenStore"
import { Config, type ConfigError, Duration, Effect, Layer, Option, Schema } from "effect"

type Keyring = typeof import("@napi-rs/keyring")

/**
 * No keychain answered, or it refused: the reason is in the description.
 *
 * @since 0.1.0
 * @category Errors
 */
export class KeychainUnavailable extends Schema.TaggedError<KeychainUnavailable>(
  "@coze-auth/keychain/KeychainTokenStore/KeychainUnavailable"
)("KeychainUnavailable", {
  description: Schema.String,
  hint: Schema.String,
  cause: Schema.optional(Schema.Defect)
}) {
  override get message() {
    return `${this.description}; ${this.hint}`
  }
}

/**
 * The keychain of this OS, by name.
 *
 * @since 0.1.0
 * @category Utils
 */
export const backend: string =
  process.platform === "darwin"
    ? "macOS Keychain"
    : process.platform === "win32"
      ? "Windows Credential Manager"
      : "Secret Service"

const hint =
  process.platform === "darwin" || process.platform === "win32"
    ? "unlock it, or set COZE_AUTH_STORE=file to keep tokens in 0600 files under COZE_AUTH_HOME"
    : "start and unlock a Secret Service keyring in this session (gnome-keyring, KWallet, KeePassXC; over SSH or in a container there is usually none), or set COZE_AUTH_STORE=file to keep tokens in 0600 files under COZE_AUTH_HOME"

/**
 * @since 0.1.0
 * @category Models
 */
export interface Options {
  /** `COZE_AUTH_HOME`: where the lock files live, and part of the keychain service name. */
  readonly home: string
  /** The keychain service name; default `coze-auth:<home>`. */
  readonly service?: string | undefined
  /** How long one keychain call may take; default 30 s. */
  readonly timeout?: Duration.DurationInput | undefined
  /** How long `withLock` waits for another holder of the lock file; default 60 s. */
  readonly lockWait?: Duration.DurationInput | undefined
}

const serviceOf = (options: Options) => options.service ?? `coze-auth:${path.resolve(options.home)}`

/**
 * What `status` shows about this store: the OS keychain encrypts what it holds.
 *
 * @since 0.1.0
 * @category Utils
 */
export const describe = (options: Options): TokenStore.Description => ({
  kind: "keychain",
  location: `${backend} (service "${serviceOf(options)}")`,
  encrypted: true
})

const failure = (description: string) => (cause: unknown) => {
  const reason = (cause as { message?: unknown } | undefined)?.message
  const unavailable = new KeychainUnavailable({
    description: `${description}${typeof reason === "string" ? ` (${reason.split("\n")[0]})` : ""}`,
    hint,
    cause
  })
  return new TokenStoreError({ description: unavailable.description, hint, cause: unavailable })
}

/**
 * A store in the OS keychain; locks are `FileTokenStore`'s in `options.home`.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const make = (options: Options): Effect.Effect<TokenStore.Service> =>
  Effect.gen(function* () {
    const service = serviceOf(options)
    const timeout = Duration.decode(options.timeout ?? "30 seconds")
    const files = yield* FileTokenStore.make({ home: options.home, lockWait: options.lockWait })
    const where = (profile: string) => `the ${backend} entry of profile "${profile}"`

    const keyring: Effect.Effect<Keyring, TokenStoreError> = yield* Effect.cached(
      Effect.tryPromise({
        try: () => import("@napi-rs/keyring"),
        catch: failure(`the OS keychain module (@napi-rs/keyring) cannot load on ${process.platform}-${process.arch}`)
      })
    )

    /** One call on the profile's entry, bounded by `timeout` and interruptible (the signal aborts it). */
    const call = <A>(
      profile: string,
      doing: string,
      use: (entry: InstanceType<Keyring["AsyncEntry"]>, signal: AbortSignal) => Promise<A>
    ) =>
      Effect.flatMap(keyring, ({ AsyncEntry }) =>
        Effect.tryPromise({
          try: (signal) => use(new AsyncEntry(service, profile, { linux: { store: "secret-service" } }), signal),
          catch: failure(`no OS keychain is available to ${doing} ${where(profile)}: the ${backend} failed`)
        }).pipe(
          Effect.timeoutFail({
            duration: timeout,
            onTimeout: () =>
              failure(
                `the ${backend} did not answer within ${Duration.format(timeout)} (to ${doing} ${where(profile)})`
              )(undefined)
          })
        )
      )

    const get = (profile: string) =>
      Effect.gen(function* () {
        const secret = yield* call(profile, "read", (entry, signal) => entry.getSecret(signal))
        if (secret === null) return Option.none<Token>()
        const token = yield* Schema.decode(TokenFromJson)(Buffer.from(secret).toString("utf8")).pipe(
          Effect.mapError(
            () =>
              new TokenStoreError({
                description: `${where(profile)} is not a coze-auth credential (corrupt or from another version)`,
                hint: `log in again for profile "${profile}"`
              })
          )
        )
        return Option.some(token)
      })

    const set = (profile: string, token: Token) =>
      Effect.gen(function* () {
        const json = yield* TokenStore.encodeRecord(TokenFromJson, profile)(token)
        yield* call(profile, "write", (entry, signal) => entry.setSecret(Buffer.from(json, "utf8"), signal))
      })

    const remove = (profile: string) => call(profile, "delete", (entry, signal) => entry.deleteCredential(signal))

    return {
      location: (profile) => `${backend} (service "${service}", account "${profile}")`,
      get,
      set,
      remove,
      withLock: files.withLock
    }
  })

/**
 * @since 0.1.0
 * @category Layers
 */
export const layer = (options: Options): Layer.Layer<TokenStore.TokenStore> =>
  Layer.effect(TokenStore.TokenStore, make(options))

/**
 * The keychain store for the configured home (`COZE_AUTH_HOME`, else `$XDG_CONFIG_HOME/coze-auth`, else
 * `~/.config/coze-auth`), waiting `COZE_AUTH_LOCK_WAIT` for the lock.
 *
 * @since 0.1.0
 * @category Layers
 */
export const layerConfig = (
  home: Config.Config<string> = FileTokenStore.home
): Layer.Layer<TokenStore.TokenStore, ConfigError.ConfigError> =>
  Layer.effect(TokenStore.TokenStore, Effect.flatMap(Config.all({ home, lockWait: FileTokenStore.lockWait }), make))
