/**
 * Failures of choosing and using a profile that both apps report. Like the `CozeError` family, each renders
 * as one line saying what to do, and none carries a secret.
 *
 * @since 0.1.0
 */
import { Predicate, Schema } from "effect"

const prefix = "@coze-auth/profiles/ProfileError"

/**
 * Marks every `ProfileError`: `isProfileError` checks it, not the tag.
 *
 * @since 0.1.0
 * @category Type Ids
 */
export const TypeId: unique symbol = Symbol.for(prefix)

/**
 * @since 0.1.0
 * @category Type Ids
 */
export type TypeId = typeof TypeId

/**
 * No profile of that name is configured.
 *
 * @since 0.1.0
 * @category Errors
 */
export class UnknownProfile extends Schema.TaggedError<UnknownProfile>(`${prefix}/UnknownProfile`)("UnknownProfile", {
  profile: Schema.String,
  known: Schema.Array(Schema.String)
}) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
  override get message() {
    return this.known.length === 0
      ? `No profile "${this.profile}": no Coze profile is configured; set the COZE_* variables or write profiles.json (docs/mcp.md)`
      : `Unknown profile "${this.profile}"; configured profiles: ${this.known.join(", ")}`
  }
}

/**
 * A static token (PAT / SAT) has no refresh token and cannot be renewed by coze-auth.
 *
 * @since 0.1.0
 * @category Errors
 */
export class NotRefreshable extends Schema.TaggedError<NotRefreshable>(`${prefix}/NotRefreshable`)("NotRefreshable", {
  profile: Schema.String
}) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
  override get message() {
    return (
      `Profile "${this.profile}" uses a static token (PAT or SAT), which cannot be refreshed; ` +
      "it stays valid until it expires or is revoked in the Coze console, then needs a new token"
    )
  }
}

/**
 * @since 0.1.0
 * @category Models
 */
export type ProfileError = UnknownProfile | NotRefreshable

/**
 * @since 0.1.0
 * @category Guards
 */
export const isProfileError = (u: unknown): u is ProfileError => Predicate.hasProperty(u, TypeId)
