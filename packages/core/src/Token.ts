/**
 * An access token as coze-auth keeps it: the secret, its absolute expiry, the rotating refresh token,
 * the flow it came from and the server's log id. Secrets are `Redacted` and stay so when printed.
 *
 * @since 0.1.0
 */
import { DateTime, type Duration, Option, Schema } from "effect"

/**
 * How a credential is obtained; decides how it is renewed.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const Flow = Schema.Literal("token", "web", "pkce", "device", "jwt")

/**
 * @since 0.1.0
 * @category Models
 */
export type Flow = typeof Flow.Type

/**
 * The encoded form (what a token store writes) reveals the secrets: only stores encode tokens.
 *
 * @since 0.1.0
 * @category Models
 */
export class Token extends Schema.Class<Token>("@coze-auth/core/Token")({
  accessToken: Schema.Redacted(Schema.String),
  /** Absolute expiry; `None` for PATs and SATs, which the client cannot see expire. */
  expiresAt: Schema.OptionFromNullOr(Schema.DateTimeUtcFromNumber),
  /** Coze rotates it on every use: the old one is dead once a refresh succeeds. */
  refreshToken: Schema.OptionFromNullOr(Schema.Redacted(Schema.String)),
  flow: Flow,
  obtainedAt: Schema.DateTimeUtcFromNumber,
  logId: Schema.OptionFromNullOr(Schema.String)
}) {
  /** The lifetime the server granted, when it is known. */
  get lifetime(): Option.Option<Duration.Duration> {
    return Option.map(this.expiresAt, (expiresAt) => DateTime.distanceDuration(this.obtainedAt, expiresAt))
  }

  get refreshable(): boolean {
    return Option.isSome(this.refreshToken)
  }
}

/**
 * JSON for token stores: `Schema.parseJson(Token)`.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const TokenFromJson = Schema.parseJson(Token)
