/**
 * Failures the MCP server itself adds to the `CozeError` family (and the profile errors it shares with the
 * CLI). Like those, each renders as one line that tells the user (or the model) what to do next, and none
 * carries a secret.
 */
import { isProfileError, type ProfileError } from "@coze-auth/profiles/ProfileError"
import { Data, Predicate } from "effect"

/** Marks the errors this app adds; `isToolError` checks it (and `ProfileError`'s), not a list of tags. */
export const TypeId: unique symbol = Symbol.for("@coze-auth/mcp-server/ToolError")
export type TypeId = typeof TypeId

export class FlowUnavailable extends Data.TaggedError("FlowUnavailable")<{
  readonly profile: string
  readonly flow: string
  readonly reason: string
}> {
  readonly [TypeId]: TypeId = TypeId
  override get message() {
    return `Profile "${this.profile}" cannot log in with ${this.flow}: ${this.reason}`
  }
}

export class LoginDeclined extends Data.TaggedError("LoginDeclined")<{ readonly profile: string }> {
  readonly [TypeId]: TypeId = TypeId
  override get message() {
    return `The user declined to open the login page for profile "${this.profile}"; call login again when they are ready`
  }
}

/** A path `api_get` / `api_request` refuse before sending anything (architecture §5). */
export class InvalidPath extends Data.TaggedError("InvalidPath")<{ readonly path: string; readonly reason: string }> {
  readonly [TypeId]: TypeId = TypeId
  override get message() {
    const shown = this.path.length > 200 ? `${this.path.slice(0, 200)}…` : this.path
    return (
      `Refused path ${JSON.stringify(shown)}: ${this.reason}. Give a path on the profile's Coze API base that ` +
      "starts with /v1/ or /v3/, e.g. /v1/users/me, with query parameters in query"
    )
  }
}

/** An API call needs a credential the profile does not have, and the user was not asked through the client. */
export class LoginRequired extends Data.TaggedError("LoginRequired")<{
  readonly profile: string
  readonly tool: string
  readonly reason: string
}> {
  readonly [TypeId]: TypeId = TypeId
  override get message() {
    return (
      `${this.reason}: call the login tool (profile "${this.profile}"), have the user approve in their browser, ` +
      `then call ${this.tool} again`
    )
  }
}

/** `session_name` asks for a per-user token, which only service (JWT) apps mint. */
export class SessionUnsupported extends Data.TaggedError("SessionUnsupported")<{
  readonly profile: string
  readonly flow: string
}> {
  readonly [TypeId]: TypeId = TypeId
  override get message() {
    return `session_name needs a JWT (service app) profile; profile "${this.profile}" is a ${this.flow} profile (see status)`
  }
}

export type ToolError =
  | ProfileError
  | FlowUnavailable
  | LoginDeclined
  | InvalidPath
  | LoginRequired
  | SessionUnsupported

export const isToolError = (u: unknown): u is ToolError => isProfileError(u) || Predicate.hasProperty(u, TypeId)
