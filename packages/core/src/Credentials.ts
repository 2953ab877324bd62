/**
 * The service programs use: `token` hands out a valid access token, refreshing it when due, exactly once
 * however many fibers (or processes sharing a store) ask at the same moment.
 *
 * @since 0.1.0
 */
import { Context, Data, type DateTime, type Effect, type Option, type Redacted } from "effect"
import type { CozeError } from "./CozeError.js"
import type { Flow, Token } from "./Token.js"

/**
 * How a profile's credential is obtained and renewed.
 *
 * - `Static`: a PAT or SAT; never refreshed.
 * - `Refreshable`: a user token from web, PKCE or device login, stored by the login and renewed with its
 *   rotating refresh token.
 * - `Mint`: a service app that signs a new JWT for every token (no refresh token exists).
 *
 * @since 0.1.0
 * @category Models
 */
export type Source = Data.TaggedEnum<{
  Static: { readonly token: Token }
  Refreshable: {
    readonly flow: Flow
    readonly refresh: (refreshToken: Redacted.Redacted) => Effect.Effect<Token, CozeError>
  }
  Mint: { readonly mint: Effect.Effect<Token, CozeError> }
}>

/**
 * @since 0.1.0
 * @category Constructors
 */
export const Source = Data.taggedEnum<Source>()

/**
 * What a profile's credential looks like, without any secret.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Status {
  readonly profile: string
  readonly flow: Flow
  readonly authenticated: boolean
  readonly expiresAt: Option.Option<DateTime.Utc>
  readonly refreshable: boolean
  /** Where the credential is stored ("memory", a file path). */
  readonly location: string
}

/**
 * @since 0.1.0
 * @category Models
 */
export interface Service {
  readonly profile: string
  /** A token valid for at least the refresh margin (or `minValidSeconds`), refreshed first when needed. */
  readonly token: (options?: { readonly minValidSeconds?: number | undefined }) => Effect.Effect<Token, CozeError>
  /** Refreshes now, whatever the expiry. */
  readonly refresh: Effect.Effect<Token, CozeError>
  readonly status: Effect.Effect<Status, CozeError>
  /** Forgets the stored credential; `true` when there was one. */
  readonly logout: Effect.Effect<boolean, CozeError>
}

/**
 * @since 0.1.0
 * @category Context
 */
export class Credentials extends Context.Tag("@coze-auth/core/Credentials")<Credentials, Service>() {}
