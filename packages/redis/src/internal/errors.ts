/**
 * What can go wrong in the Redis store, each a `Schema.TaggedError` carried as the `cause` of the
 * `TokenStoreError` the `TokenStore` contract fails with.
 */
import * as CozeError from "@coze-auth/core/CozeError"
import * as TokenSeal from "@coze-auth/core/TokenSeal"
import { Schema } from "effect"

const TypeId = "@coze-auth/redis/RedisTokenStore"

const Fields = {
  description: Schema.String,
  hint: Schema.optional(Schema.String),
  cause: Schema.optional(Schema.Defect)
}

const render = (error: { readonly description: string; readonly hint?: string | undefined }) =>
  error.description + (error.hint === undefined ? "" : `; ${error.hint}`)

/**
 * Redis did not answer in time, refused the connection, or is down.
 *
 * @since 0.1.0
 * @category Errors
 */
export class RedisUnavailable extends Schema.TaggedError<RedisUnavailable>(`${TypeId}/RedisUnavailable`)(
  "RedisUnavailable",
  Fields
) {
  override get message() {
    return render(this)
  }
}

/**
 * Redis answered with an error (authentication, permissions, out of memory, …).
 *
 * @since 0.1.0
 * @category Errors
 */
export class RedisRefused extends Schema.TaggedError<RedisRefused>(`${TypeId}/RedisRefused`)("RedisRefused", Fields) {
  override get message() {
    return render(this)
  }
}

/**
 * Another process held the profile's lease for the whole wait.
 *
 * @since 0.1.0
 * @category Errors
 */
export class LeaseBusy extends Schema.TaggedError<LeaseBusy>(`${TypeId}/LeaseBusy`)("LeaseBusy", Fields) {
  override get message() {
    return render(this)
  }
}

/**
 * A write under a lease found a newer version than it read: this holder's lease had expired and another
 * one wrote. The newer credential stays.
 *
 * @since 0.1.0
 * @category Errors
 */
export class StaleWrite extends Schema.TaggedError<StaleWrite>(`${TypeId}/StaleWrite`)("StaleWrite", {
  ...Fields,
  read: Schema.Number,
  current: Schema.Number
}) {
  override get message() {
    return render(this)
  }
}

/**
 * A record this process saw is gone without a logout: Redis lost its data.
 *
 * @since 0.1.0
 * @category Errors
 */
export class RedisDataLost extends Schema.TaggedError<RedisDataLost>(`${TypeId}/RedisDataLost`)(
  "RedisDataLost",
  Fields
) {
  override get message() {
    return render(this)
  }
}

/**
 * @since 0.1.0
 * @category Errors
 */
export type Reason =
  | RedisUnavailable
  | RedisRefused
  | LeaseBusy
  | StaleWrite
  | RedisDataLost
  | TokenSeal.KeyMismatch
  | TokenSeal.Unreadable

const isReason = Schema.is(
  Schema.Union(
    RedisUnavailable,
    RedisRefused,
    LeaseBusy,
    StaleWrite,
    RedisDataLost,
    TokenSeal.KeyMismatch,
    TokenSeal.Unreadable
  )
)

/**
 * The typed reason behind a `TokenStoreError` of this store.
 *
 * @since 0.1.0
 * @category Errors
 */
export const reasonOf = (error: CozeError.TokenStoreError): Reason | undefined =>
  isReason(error.cause) ? error.cause : undefined

/** A `TokenStoreError` (the `TokenStore` contract) saying what `reason` says, with it as the cause. */
export const storeError = (reason: Reason) =>
  new CozeError.TokenStoreError({ description: reason.description, hint: reason.hint, cause: reason })
