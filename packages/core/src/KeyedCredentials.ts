/**
 * Tokens for many end users of one service app, one per key (coze-java #76: one client per end user should
 * not be needed): a bounded cache of minted tokens, each kept until its refresh margin.
 *
 * @since 0.1.0
 */
import { Cache, Clock, Duration, Effect, Exit, Option } from "effect"
import type { CozeError } from "./CozeError.js"
import { hold, isFresh, refreshMargin } from "./internal/held.js"
import type { Token } from "./Token.js"

/**
 * Tokens for many end users of one service app, keyed by whatever identifies the session (for JWT apps:
 * `session_name`, account, enterprise and scope — build the key with `Data.struct` so equal keys match).
 *
 * @since 0.1.0
 * @category Models
 */
export interface Keyed<Key> {
  /** A token for `key`, minted on first use and again when due; concurrent callers share one mint. */
  readonly token: (
    key: Key,
    options?: { readonly minValidSeconds?: number | undefined }
  ) => Effect.Effect<Token, CozeError>
  /** Drops the cached token of `key` (after the API rejected it, say). */
  readonly invalidate: (key: Key) => Effect.Effect<void>
  /** How many keys hold a token now. */
  readonly size: Effect.Effect<number>
}

/**
 * A bounded cache of minted tokens, one entry per key (coze-java #76: one client per end user should not
 * be needed). Each entry lives until its refresh margin; the least recently used entries go first when
 * `capacity` (default 10,000) is reached; a failed mint is not cached.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const make = <Key>(options: {
  readonly mint: (key: Key) => Effect.Effect<Token, CozeError>
  readonly capacity?: number | undefined
}): Effect.Effect<Keyed<Key>> =>
  Effect.gen(function* () {
    const cache = yield* Cache.makeWith({
      capacity: options.capacity ?? 10_000,
      lookup: options.mint,
      timeToLive: (exit) =>
        Exit.isSuccess(exit)
          ? Option.match(exit.value.lifetime, {
              onNone: () => Duration.infinity,
              onSome: (lifetime) => Duration.subtract(lifetime, refreshMargin(lifetime))
            })
          : Duration.zero
    })
    const token: Keyed<Key>["token"] = (key, tokenOptions) =>
      Effect.gen(function* () {
        // A failure stays cached for the instant it happened (TTL 0 at an unmoved clock): drop it now.
        const cached = yield* Effect.tapError(cache.get(key), () => cache.invalidate(key))
        const minValidSeconds = tokenOptions?.minValidSeconds
        if (minValidSeconds === undefined || isFresh(hold(cached), yield* Clock.currentTimeMillis, minValidSeconds)) {
          return cached
        }
        return yield* cache.refresh(key).pipe(Effect.zipRight(cache.get(key)))
      })
    return { token, invalidate: (key) => cache.invalidate(key), size: cache.size }
  })
