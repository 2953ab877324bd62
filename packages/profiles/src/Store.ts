/**
 * Where tokens live, chosen by `COZE_AUTH_STORE` (architecture §3): `file` (the default: one 0600 file per
 * profile under `COZE_AUTH_HOME/tokens`), `memory`, `keychain` (the OS keychain) or a `redis://` /
 * `rediss://` URL. Parsing gives a tagged `StoreChoice`; `layer` turns a choice into the `TokenStore`.
 *
 * @since 0.1.0
 */
import * as CozeError from "@coze-auth/core/CozeError"
import * as TokenStore from "@coze-auth/core/TokenStore"
import * as KeychainTokenStore from "@coze-auth/keychain/KeychainTokenStore"
import * as FileTokenStore from "@coze-auth/node/FileTokenStore"
import { Config, Data, type Duration, Effect, Either, Layer, Option, Redacted } from "effect"
import * as Home from "./Home.js"

/**
 * @since 0.1.0
 * @category Models
 */
export type StoreChoice = Data.TaggedEnum<{
  File: { readonly home: string }
  Memory: {}
  /** The lock files stay in `home`; the secrets go to the keychain. */
  Keychain: { readonly home: string }
  /** `location` is the URL without its password, for `status`; `encrypted` unless the key opts out. */
  Redis: { readonly url: Redacted.Redacted<string>; readonly location: string; readonly encrypted: boolean }
}>

/**
 * @since 0.1.0
 * @category Constructors
 */
export const StoreChoice = Data.taggedEnum<StoreChoice>()

/**
 * The kinds `status` reports; `env` is a static token read from an environment variable, kept in no store.
 *
 * @since 0.1.0
 * @category Models
 */
export type Kind = "file" | "memory" | "keychain" | "redis" | "env"

/**
 * Where one profile's credential is kept (architecture §3): `location` is a path, a URL without password, ….
 *
 * @since 0.1.0
 * @category Models
 */
export interface StoreInfo {
  readonly kind: Kind
  readonly location: string
  readonly encrypted: boolean
}

const setting = "COZE_AUTH_STORE"

const invalid = (description: string, hint: string) =>
  new CozeError.ConfigError({ field: setting, description: `${setting} ${description}`, hint })

/** Never quotes the value: a Redis URL may hold a password. */
const parseRedis = (value: string): Either.Either<StoreChoice, CozeError.ConfigError> => {
  if (!URL.canParse(value))
    return Either.left(invalid("is not a valid Redis URL", "write it as redis://[:password@]host[:port][/db]"))
  const url = new URL(value)
  if (url.hostname === "")
    return Either.left(invalid("names no Redis host", "write it as redis://[:password@]host[:port][/db]"))
  url.password = ""
  url.username = ""
  return Either.right(StoreChoice.Redis({ url: Redacted.make(value), location: url.toString(), encrypted: true }))
}

/**
 * Parses a `COZE_AUTH_STORE` value (`undefined` or empty: the default, `file`).
 *
 * @since 0.1.0
 * @category Constructors
 */
export const parse = (value: string | undefined, home: string): Either.Either<StoreChoice, CozeError.ConfigError> => {
  const trimmed = value?.trim() ?? ""
  if (trimmed === "" || trimmed === "file") return Either.right(StoreChoice.File({ home }))
  if (trimmed === "memory") return Either.right(StoreChoice.Memory())
  if (trimmed === "keychain") return Either.right(StoreChoice.Keychain({ home }))
  if (/^rediss?:\/\//i.test(trimmed)) return parseRedis(trimmed)
  return Either.left(
    invalid("is not a known store", "set it to file (the default), memory, keychain, or a redis:// or rediss:// URL")
  )
}

/**
 * `COZE_AUTH_STORE`, with the file store under `COZE_AUTH_HOME`.
 *
 * @since 0.1.0
 * @category Config
 */
export const load: Effect.Effect<StoreChoice, CozeError.ConfigError> = Effect.gen(function* () {
  const home = yield* Home.load
  const value = yield* Effect.mapError(Config.option(Config.string(setting)), CozeError.fromConfigError)
  const choice = yield* parse(Option.getOrUndefined(value), home)
  if (choice._tag !== "Redis") return choice
  // Only the opt-out word is looked at here; the Redis store itself reads and checks the key.
  const key = yield* Effect.orElseSucceed(Config.string("COZE_AUTH_STORE_KEY"), () => "")
  return StoreChoice.Redis({ ...choice, encrypted: key.trim() !== unencrypted })
})

/** `COZE_AUTH_STORE_KEY=unencrypted`: the Redis store's explicit opt-out of sealing. */
const unencrypted = "unencrypted"

/**
 * What `status` shows for the store of a profile whose credential lives at `location`.
 *
 * @since 0.1.0
 * @category Utils
 */
export const info = (choice: StoreChoice, location: string): StoreInfo =>
  StoreChoice.$match(choice, {
    File: (): StoreInfo => ({ kind: "file", location, encrypted: false }),
    Memory: (): StoreInfo => ({ kind: "memory", location: "memory", encrypted: false }),
    Keychain: ({ home }): StoreInfo => KeychainTokenStore.describe({ home }),
    Redis: (redis): StoreInfo => ({ kind: "redis", location: redis.location, encrypted: redis.encrypted })
  })

/** The stores that lock with a file wait `COZE_AUTH_LOCK_WAIT` for it. */
const withLockWait = (
  layer: (lockWait: Duration.Duration) => Layer.Layer<TokenStore.TokenStore>
): Layer.Layer<TokenStore.TokenStore, CozeError.ConfigError> =>
  Layer.unwrapEffect(Effect.map(Effect.mapError(FileTokenStore.lockWait, CozeError.fromConfigError), layer))

/**
 * The `TokenStore` a choice names, never falling back to another one when it cannot open. The Redis store
 * (and its client) loads only when chosen, so a bundle that never uses it does not pay for it at start.
 *
 * @since 0.1.0
 * @category Layers
 */
export const layer = (choice: StoreChoice): Layer.Layer<TokenStore.TokenStore, CozeError.ConfigError> =>
  StoreChoice.$match(choice, {
    File: ({ home }) => withLockWait((lockWait) => FileTokenStore.layer({ home, lockWait })),
    Memory: () => TokenStore.layerMemory,
    Keychain: ({ home }) => withLockWait((lockWait) => KeychainTokenStore.layer({ home, lockWait })),
    Redis: ({ url }) =>
      Layer.unwrapEffect(
        Effect.map(
          Effect.promise(() => import("@coze-auth/redis/RedisTokenStore")),
          (RedisTokenStore) => RedisTokenStore.layerConfig({ url: Config.succeed(url) })
        )
      )
  })

/**
 * The store `COZE_AUTH_STORE` names.
 *
 * @since 0.1.0
 * @category Layers
 */
export const layerConfig: Layer.Layer<TokenStore.TokenStore, CozeError.ConfigError> = Layer.unwrapEffect(
  Effect.map(load, layer)
)
