/**
 * Where credentials live between runs, one entry per profile. Core ships the in-memory store;
 * `@coze-auth/node` adds the file store that several processes can share.
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer, Option, Ref, Schema } from "effect"
import { TokenStoreError } from "./CozeError.js"
import type { Token } from "./Token.js"

/**
 * @since 0.1.0
 * @category Models
 */
export interface Service {
  /** Where a profile's credential is kept, for `status` ("memory", a file path, …). */
  readonly location: (profile: string) => string
  readonly get: (profile: string) => Effect.Effect<Option.Option<Token>, TokenStoreError>
  readonly set: (profile: string, token: Token) => Effect.Effect<void, TokenStoreError>
  /** Forgets a profile; `true` when there was something to forget. */
  readonly remove: (profile: string) => Effect.Effect<boolean, TokenStoreError>
  /**
   * Runs `effect` while holding the profile's exclusive lock, across fibers and (for shared stores) across
   * processes: read, refresh and write happen under it so a rotated refresh token is never used twice.
   */
  readonly withLock: <A, E, R>(
    profile: string,
    effect: Effect.Effect<A, E, R>,
    options?: LockOptions<A, E, R>
  ) => Effect.Effect<A, E | TokenStoreError, R>
}

/**
 * @since 0.1.0
 * @category Models
 */
export interface LockOptions<A, E, R> {
  /**
   * While another process holds the lock, run whenever the store sees the profile's entry change: a `Some`
   * ends the wait with its value, without taking the lock (the holder already did the work, e.g. wrote the
   * renewed credential). A store that cannot see changes ignores it; the lock is then taken as usual.
   */
  readonly whileWaiting?: Effect.Effect<Option.Option<A>, E, R> | undefined
}

/**
 * @since 0.1.0
 * @category Context
 */
export class TokenStore extends Context.Tag("@coze-auth/core/TokenStore")<TokenStore, Service>() {}

/**
 * One in-process lock per profile, created on first use: the fiber half of `withLock`, for store
 * implementations (a shared store adds its cross-process lock inside it).
 *
 * @since 0.1.0
 * @category Constructors
 */
export const makeProfileLocks = (): Service["withLock"] => {
  const locks = new Map<string, Effect.Semaphore>()
  return (profile, effect) => {
    let lock = locks.get(profile)
    if (lock === undefined) {
      lock = Effect.unsafeMakeSemaphore(1)
      locks.set(profile, lock)
    }
    return lock.withPermits(1)(effect)
  }
}

/**
 * A store in memory: nothing survives the process, locks are per profile within it.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const makeMemory: Effect.Effect<Service> = Effect.gen(function* () {
  const tokens = yield* Ref.make(new Map<string, Token>())
  return {
    location: () => "memory",
    get: (profile) => Ref.get(tokens).pipe(Effect.map((map) => Option.fromNullable(map.get(profile)))),
    set: (profile, token) => Ref.update(tokens, (map) => new Map(map).set(profile, token)),
    remove: (profile) =>
      Ref.modify(tokens, (map) => {
        if (!map.has(profile)) return [false, map]
        const next = new Map(map)
        next.delete(profile)
        return [true, next]
      }),
    withLock: makeProfileLocks()
  }
})

/**
 * @since 0.1.0
 * @category Layers
 */
export const layerMemory: Layer.Layer<TokenStore> = Layer.effect(TokenStore, makeMemory)

/**
 * What `status` shows about the store of a profile (architecture §3): `location` is a path, or a Redis URL
 * without its password; `encrypted` says whether the credential is sealed at rest.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Description {
  readonly kind: "file" | "memory" | "keychain" | "redis"
  readonly location: string
  readonly encrypted: boolean
}

/**
 * Encodes what a store keeps for `profile` with `schema` (a token file, a token as JSON): for store
 * implementations, so that every store reports an encoding failure the same way.
 *
 * @since 0.1.0
 * @category Utils
 */
export const encodeRecord =
  <A>(schema: Schema.Schema<A, string>, profile: string) =>
  (record: A): Effect.Effect<string, TokenStoreError> =>
    Schema.encode(schema)(record).pipe(
      Effect.mapError(
        (cause) =>
          new TokenStoreError({
            description: `cannot encode the credential of profile "${profile}"`,
            hint: "report this as a bug",
            cause
          })
      )
    )
