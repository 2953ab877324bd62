/**
 * Where a profile stands, the same for every app (MCP `status`, CLI `status --json`): region, API base,
 * flow, store, and whether its credential is valid now, until when, and whether it can be renewed. Never a
 * token.
 *
 * @since 0.1.0
 */
import type * as CozeError from "@coze-auth/core/CozeError"
import type { Flow } from "@coze-auth/core/Token"
import { DateTime, Effect, Option } from "effect"
import type { Profile } from "./Profile.js"
import * as Store from "./Store.js"

/**
 * @since 0.1.0
 * @category Models
 */
export interface ProfileStatus {
  readonly profile: string
  readonly region: "com" | "cn" | "custom"
  readonly api_base: string
  readonly flow: Flow
  readonly store: Store.StoreInfo
  /** A credential is held (it may have expired: see `valid` and `expired`). */
  readonly authenticated: boolean
  /** A credential is held and has not expired: usable right now. */
  readonly valid: boolean
  /** ISO 8601 UTC, or `null` for a token without expiry (PAT) or no credential. */
  readonly expires_at: string | null
  /** The credential can be renewed without the user (a refresh token, or a service app's new JWT). */
  readonly refreshable: boolean
  /** A credential is held and its expiry has passed (`token` renews it when `refreshable`). */
  readonly expired: boolean
}

/**
 * @since 0.1.0
 * @category Constructors
 */
export const of = (profile: Profile, store: Store.StoreChoice): Effect.Effect<ProfileStatus, CozeError.CozeError> =>
  Effect.gen(function* () {
    const status = yield* profile.credentials.status
    const now = yield* DateTime.now
    const expired = status.authenticated && Option.exists(status.expiresAt, (at) => !DateTime.lessThan(now, at))
    const fromEnv = profile.flow === "token" && status.location === "static"
    return {
      profile: profile.name,
      region: profile.region.name,
      api_base: profile.region.apiBase,
      flow: profile.flow,
      store: fromEnv
        ? { kind: "env", location: profile.spec.sources.COZE_API_TOKEN ?? "COZE_API_TOKEN", encrypted: false }
        : Store.info(store, status.location),
      authenticated: status.authenticated,
      valid: status.authenticated && !expired,
      expires_at: Option.match(status.expiresAt, { onNone: () => null, onSome: DateTime.formatIso }),
      refreshable: status.refreshable,
      expired
    }
  })
