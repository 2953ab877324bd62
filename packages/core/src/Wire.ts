/**
 * The documents Coze's OAuth endpoints send, as `Schema`s with the field names of the wire. Secrets decode
 * straight into `Redacted`. Decoding never throws: use `Schema.decodeUnknownEither` / `Option`.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/** Seconds that still make a valid date (JavaScript dates end at 8.64e15 ms). */
const Seconds = Schema.Number.pipe(Schema.between(0, 8.64e12))

/**
 * A successful token answer. Unlike RFC 6749, `expires_in` is the absolute expiry in Unix seconds.
 * JWT grants have no `refresh_token`; `token_type` is undocumented and tolerated.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const TokenResponse = Schema.Struct({
  access_token: Schema.Redacted(Schema.NonEmptyString),
  expires_in: Seconds,
  refresh_token: Schema.optional(Schema.NullOr(Schema.Redacted(Schema.String))),
  token_type: Schema.optional(Schema.NullOr(Schema.String))
})

/**
 * @since 0.1.0
 * @category Models
 */
export type TokenResponse = typeof TokenResponse.Type

/**
 * The device-code answer. Here `expires_in` is a duration in seconds; `interval` defaults to 5 and is at
 * least 1.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const DeviceCodeResponse = Schema.Struct({
  device_code: Schema.Redacted(Schema.NonEmptyString),
  user_code: Schema.NonEmptyString,
  verification_uri: Schema.NonEmptyString,
  expires_in: Seconds,
  // At least 1 s: an interval of 0 would make `awaitToken` poll in a tight loop.
  interval: Schema.optionalWith(Seconds.pipe(Schema.clamp(1, 8.64e12)), { default: () => 5, nullable: true })
})

/**
 * @since 0.1.0
 * @category Models
 */
export type DeviceCodeResponse = typeof DeviceCodeResponse.Type

/**
 * A token-endpoint error. The docs and SDKs disagree on the naming scheme, so both are read:
 * `error_code` / `error_message` (go, py, java) and `error` / `error_description` (docs, js).
 *
 * @since 0.1.0
 * @category Schemas
 */
export const AuthErrorResponse = Schema.Struct({
  error_code: Schema.optional(Schema.NullOr(Schema.String)),
  error_message: Schema.optional(Schema.NullOr(Schema.String)),
  error: Schema.optional(Schema.NullOr(Schema.String)),
  error_description: Schema.optional(Schema.NullOr(Schema.String))
})

/**
 * @since 0.1.0
 * @category Models
 */
export type AuthErrorResponse = typeof AuthErrorResponse.Type

/**
 * The general OpenAPI envelope: `code` 0 means success; 4100 / 4101 are authentication failures.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const ApiResponse = Schema.Struct({
  code: Schema.Number,
  msg: Schema.optional(Schema.NullOr(Schema.String)),
  detail: Schema.optional(Schema.NullOr(Schema.Struct({ logid: Schema.optional(Schema.NullOr(Schema.String)) })))
})

/**
 * @since 0.1.0
 * @category Models
 */
export type ApiResponse = typeof ApiResponse.Type
