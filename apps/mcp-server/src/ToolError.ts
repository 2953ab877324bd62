/**
 * Failures the MCP server itself adds to the `CozeError` family (and the profile errors it shares with the
 * CLI). Like those, each renders as one line that tells the user (or the model) what to do next, and none
 * carries a secret.
 */
import { isProfileError, type ProfileError } from "@coze-auth/profiles/ProfileError"
import { Data } from "effect"

export class FlowUnavailable extends Data.TaggedError("FlowUnavailable")<{
  readonly profile: string
  readonly flow: string
  readonly reason: string
}> {
  override get message() {
    return `Profile "${this.profile}" cannot log in with ${this.flow}: ${this.reason}`
  }
}

export class LoginDeclined extends Data.TaggedError("LoginDeclined")<{ readonly profile: string }> {
  override get message() {
    return `The user declined to open the login page for profile "${this.profile}"; call login again when they are ready`
  }
}

export type ToolError = ProfileError | FlowUnavailable | LoginDeclined

const tags: ReadonlySet<string> = new Set<string>(["FlowUnavailable", "LoginDeclined"])

export const isToolError = (u: unknown): u is ToolError =>
  isProfileError(u) ||
  (typeof u === "object" && u !== null && "_tag" in u && typeof u._tag === "string" && tags.has(u._tag))
