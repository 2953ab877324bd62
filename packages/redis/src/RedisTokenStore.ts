/**
 * A `TokenStore` on Redis, for fleets: every machine that points `COZE_AUTH_STORE` at the same Redis shares
 * one credential per profile and one lock, so a rotating refresh token is spent once however many machines
 * need a new access token at the same moment.
 *
 * - **Client**: ioredis 5 — the client `@effect/experimental`'s Redis persistence is built on (peer `^5`),
 *   with `rediss://` TLS, reconnection and per-command timeouts built in. node-redis would do too; ioredis'
 *   offline-queue and retry options let an outage fail fast instead of queueing.
 * - **Lease** (`withLock`): the lease key set to this store's random owner id only if it is free (or still
 *   its own: a release that never reached Redis), with a TTL; renewed every third of the lease while held,
 *   released by compare-and-delete (Lua) so only its owner frees it. A waiter polls (jittered) for at
 *   most `leaseWait`; a holder that died is replaced once its lease expires. A lease is three short
 *   commands, written here: redis-semaphore's mutex fits the shape, but a Redis outage during its
 *   background refresh is an unhandled rejection, and it has no fence.
 * - **Fence**: each record carries a version. Under a lease, a write (or a removal) succeeds only over the
 *   version this holder read: a holder that stalled past its lease cannot overwrite the credential the next
 *   holder wrote. Removal keeps a tombstone with the next version for the same reason.
 * - **Sealed** (`TokenSeal`, AES-256-GCM) with `COZE_AUTH_STORE_KEY`, bound to the profile. Without a key the
 *   store is refused, unless the key is the word `unencrypted` (an explicit opt-out).
 * - **Outages**: a command with no answer within `timeout` (5 s) — Redis down, unreachable, or refusing
 *   connections — fails with a `TokenStoreError` naming Redis (its cause a `RedisUnavailable`); nothing falls
 *   back to another store. A record that disappeared (Redis restarted without persistence, flushed,
 *   evicted) is reported once as `RedisDataLost`: the profile must log in again.
 *
 * Every failure is a `TokenStoreError` (the `TokenStore` contract) whose `cause` is one of the typed errors
 * below or a `TokenSeal` error; `reasonOf` returns it.
 *
 * @since 0.1.0
 */
import * as CozeError from "@coze-auth/core/CozeError"
import * as TokenSeal from "@coze-auth/core/TokenSeal"
import * as TokenStore from "@coze-auth/core/TokenStore"
import { Config, Duration, Effect, Layer, Option, Redacted, Ref, type Scope } from "effect"
import { RedisDataLost, RedisRefused, RedisUnavailable, StaleWrite, storeError } from "./internal/errors.js"
import * as Lease from "./internal/lease.js"
import * as Records from "./internal/records.js"
import * as Redis from "./internal/redis.js"

// The errors, documented where they are defined.
export {
  LeaseBusy,
  type Reason,
  RedisDataLost,
  RedisRefused,
  RedisUnavailable,
  reasonOf,
  StaleWrite
} from "./internal/errors.js"

/**
 * The word that stores credentials in the clear instead of a key.
 *
 * @since 0.1.0
 * @category Constants
 */
export const unencrypted: typeof Records.unencrypted = Records.unencrypted

/**
 * @since 0.1.0
 * @category Models
 */
export interface Options {
  /** `redis://[user:password@]host[:port][/db]`, or `rediss://` for TLS. */
  readonly url: Redacted.Redacted<string>
  /** 32 bytes in base64 (several, comma-separated, during a rotation: the first seals), or `"unencrypted"`. */
  readonly key: Redacted.Redacted<string> | typeof unencrypted
  /** How long a lease lasts without renewal; default 30 s. Renewed every third of it while held. */
  readonly lease?: Duration.DurationInput | undefined
  /** How long `withLock` waits for another holder; default 60 s, never shorter than the lease. */
  readonly leaseWait?: Duration.DurationInput | undefined
  /** How long one Redis command (or connecting) may take before Redis counts as unreachable; default 5 s. */
  readonly timeout?: Duration.DurationInput | undefined
  /** Prefix of every key; default `coze-auth:`. */
  readonly prefix?: string | undefined
}

/**
 * The URL as `status` shows it: without user name or password.
 *
 * @since 0.1.0
 * @category Utils
 */
export const locationOf = (url: Redacted.Redacted<string>): string => {
  const text = Redacted.value(url)
  if (!URL.canParse(text)) return "redis://(invalid URL)"
  const parsed = new URL(text)
  parsed.username = ""
  parsed.password = ""
  return parsed.toString()
}

/**
 * What `status` shows about this store.
 *
 * @since 0.1.0
 * @category Utils
 */
export const describe = (options: Pick<Options, "url" | "key">): TokenStore.Description => ({
  kind: "redis",
  location: locationOf(options.url),
  encrypted: options.key !== unencrypted
})

const keyMissing = new CozeError.ConfigError({
  field: "COZE_AUTH_STORE_KEY",
  description:
    "COZE_AUTH_STORE selects a Redis store but COZE_AUTH_STORE_KEY is not set: credentials in a shared Redis are sealed with a 32-byte key",
  hint: `${TokenSeal.makeKeyHint}, and set the same value on every machine; or set COZE_AUTH_STORE_KEY=${unencrypted} to store them in the clear`
})

/**
 * A store on the Redis at `options.url`, with its connection closed when the scope closes. The connection is
 * made on first use: a Redis that is down fails the operations, not the construction.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const make = (options: Options): Effect.Effect<TokenStore.Service, CozeError.ConfigError, Scope.Scope> =>
  Effect.gen(function* () {
    const url = Redacted.value(options.url)
    const location = locationOf(options.url)
    if (!URL.canParse(url) || !/^rediss?:$/.test(new URL(url).protocol)) {
      return yield* new CozeError.ConfigError({
        field: "COZE_AUTH_STORE",
        description: "COZE_AUTH_STORE is not a redis:// or rediss:// URL",
        hint: "write it as redis://[:password@]host[:port][/db]"
      })
    }
    const ring =
      options.key === unencrypted
        ? Option.none<TokenSeal.Keyring>()
        : Option.some(
            yield* TokenSeal.keyring(options.key, "COZE_AUTH_STORE_KEY").pipe(
              Effect.mapError(
                (error) =>
                  new CozeError.ConfigError({
                    field: "COZE_AUTH_STORE_KEY",
                    description: error.description,
                    hint: error.hint
                  })
              )
            )
          )
    const lease = Duration.decode(options.lease ?? "30 seconds")
    const leaseWait = Duration.max(Duration.decode(options.leaseWait ?? "60 seconds"), lease)
    const timeout = Duration.decode(options.timeout ?? "5 seconds")
    const prefix = options.prefix ?? "coze-auth:"
    // A hash tag keeps a profile's keys in one slot, should the Redis be a cluster behind a proxy.
    const recordKey = (profile: string) => `${prefix}{${profile}}:token`
    const leaseKey = (profile: string) => `${prefix}{${profile}}:lease`

    const connection = yield* Redis.connect({
      url,
      timeout,
      onDown: (reason) => Effect.logWarning(`coze-auth: lost the connection to Redis at ${location} (${reason})`)
    })
    const run: Lease.Run = (command) =>
      Effect.mapError(connection.run(command), (failure) =>
        storeError(
          failure._tag === "Refused"
            ? new RedisRefused({
                description: `Redis at ${location} refused a command (${failure.reason})`,
                hint: "check the credentials in COZE_AUTH_STORE and the user's permissions on the coze-auth keys",
                cause: failure.cause
              })
            : new RedisUnavailable({
                description: `Redis at ${location} is unreachable (${failure.reason})`,
                hint: "check that Redis is running and that COZE_AUTH_STORE points at it; coze-auth uses no other store meanwhile",
                cause: failure.cause
              })
        )
      )

    // The last version seen of each profile: a record gone without a tombstone means Redis lost it.
    const seen = new Map<string, number>()
    const see = (profile: string, version: number) => {
      if (version > 0) seen.set(profile, version)
    }

    const { decode, encode } = Records.codec({ ring, location })

    const get: TokenStore.Service["get"] = (profile) =>
      Effect.gen(function* () {
        const record = yield* run(Redis.read(recordKey(profile)))
        const held = yield* heldOf(profile)
        if (Option.isSome(held)) yield* Ref.set(held.value.version, record.version)
        const last = seen.get(profile)
        if (!record.exists && last !== undefined) {
          seen.delete(profile)
          return yield* storeError(
            new RedisDataLost({
              description: `Redis at ${location} no longer holds the credential of profile "${profile}" (this process saw version ${last}): Redis lost its data (restarted without persistence, flushed, or evicted the key)`,
              hint: `log in again for profile "${profile}"; give Redis persistence (appendonly yes) and maxmemory-policy noeviction`
            })
          )
        }
        see(profile, record.version)
        if (record.text === null) return Option.none()
        return Option.some(yield* decode(profile, record.text))
      })

    /** A write or a removal: fenced on what this fiber's lease read, plain outside a lease. */
    const put = (profile: string, text: string | null) =>
      Effect.gen(function* () {
        const held = yield* heldOf(profile)
        const expected = Option.isSome(held) ? yield* Ref.get(held.value.version) : undefined
        const written = yield* run(Redis.write(recordKey(profile), expected, text))
        if (!written.ok) {
          see(profile, written.version)
          return yield* storeError(
            new StaleWrite({
              description: `the credential of profile "${profile}" changed in Redis while this process's lease had lapsed (it read version ${expected}, Redis has ${written.version}): its ${text === null ? "removal" : "write"} was refused and the newer credential stays`,
              hint: `the next call uses the newer credential; if this repeats, this process stalls for longer than the lease (COZE_AUTH_REDIS_LEASE, now ${Duration.format(lease)})`,
              read: expected ?? 0,
              current: written.version
            })
          )
        }
        if (Option.isSome(held)) yield* Ref.set(held.value.version, written.version)
        see(profile, written.version)
        return written.removed
      })

    const set: TokenStore.Service["set"] = (profile, token) =>
      Effect.flatMap(encode(profile, token), (text) => Effect.asVoid(put(profile, text)))

    const remove: TokenStore.Service["remove"] = (profile) => put(profile, null)

    const { heldOf, withLock } = yield* Lease.make({ run, lease, leaseWait, leaseKey, recordKey })

    return { location: () => location, get, set, remove, withLock }
  })

/**
 * @since 0.1.0
 * @category Layers
 */
export const layer = (options: Options): Layer.Layer<TokenStore.TokenStore, CozeError.ConfigError> =>
  Layer.scoped(TokenStore.TokenStore, make(options))

/**
 * The settings as `Config`: `COZE_AUTH_STORE` (the URL), `COZE_AUTH_STORE_KEY` (`None` when unset: refused
 * by `layerConfig`), `COZE_AUTH_REDIS_LEASE` (30 s), `COZE_AUTH_REDIS_LEASE_WAIT` (60 s) and
 * `COZE_AUTH_REDIS_TIMEOUT` (5 s), durations as Effect writes them ("30 seconds", "1500 millis").
 *
 * @since 0.1.0
 * @category Config
 */
export const config = {
  url: Config.redacted("COZE_AUTH_STORE"),
  key: Config.option(Config.redacted("COZE_AUTH_STORE_KEY")),
  lease: Config.withDefault(Config.duration("COZE_AUTH_REDIS_LEASE"), Duration.seconds(30)),
  leaseWait: Config.withDefault(Config.duration("COZE_AUTH_REDIS_LEASE_WAIT"), Duration.seconds(60)),
  timeout: Config.withDefault(Config.duration("COZE_AUTH_REDIS_TIMEOUT"), Duration.seconds(5))
}

/**
 * The store the environment configures (see `config`); pass `url` to use a URL parsed elsewhere. A missing
 * `COZE_AUTH_STORE_KEY` is a `ConfigError` saying how to make one.
 *
 * @since 0.1.0
 * @category Layers
 */
export const layerConfig = (
  overrides: { readonly [K in keyof typeof config]?: (typeof config)[K] | undefined } & {
    readonly prefix?: string | undefined
  } = {}
): Layer.Layer<TokenStore.TokenStore, CozeError.ConfigError> =>
  Layer.scoped(
    TokenStore.TokenStore,
    Effect.gen(function* () {
      const settings = yield* Effect.mapError(
        Config.all({
          url: overrides.url ?? config.url,
          key: overrides.key ?? config.key,
          lease: overrides.lease ?? config.lease,
          leaseWait: overrides.leaseWait ?? config.leaseWait,
          timeout: overrides.timeout ?? config.timeout
        }),
        CozeError.fromConfigError
      )
      if (Option.isNone(settings.key)) return yield* keyMissing
      const key = Redacted.value(settings.key.value).trim() === unencrypted ? unencrypted : settings.key.value
      return yield* make({ ...settings, key, prefix: overrides.prefix })
    })
  )
