/**
 * Failures the MCP server itself adds to the `CozeError` family. Like those, each renders as one line that
 * tells the user (or the model) what to do next, and none carries a secret.
 */
import { Data } from "effect"

export class UnknownProfile extends Data.TaggedError("UnknownProfile")<{
  readonly profile: string
  readonly known: ReadonlyArray<string>
}> {
  override get message() {
    return `Unknown profile "${this.profile}"; configured profiles: ${this.known.join(", ") || "none"}`
  }
}

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

export type ToolError = UnknownProfile | FlowUnavailable | LoginDeclined

const tags: ReadonlySet<string> = new Set<ToolError["_tag"]>(["UnknownProfile", "FlowUnavailable", "LoginDeclined"])

export const isToolError = (u: unknown): u is ToolError =>
  typeof u === "object" && u !== null && "_tag" in u && typeof u._tag === "string" && tags.has(u._tag)
