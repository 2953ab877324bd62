/**
 * The credential an API call (or `token`) uses: the profile's own, or for a JWT profile given a `session_name`,
 * that end user's token from the profile's bounded per-session cache (`Credentials.makeKeyed`).
 */
import type * as Credentials from "@coze-auth/core/Credentials"
import type { Profile } from "@coze-auth/profiles/Profile"
import { Effect, Equal, Option } from "effect"
import { SessionUnsupported } from "../ToolError.js"

/** `Credentials` over one key of a keyed cache, so `AuthHttpClient` can renew a rejected session token. */
const sessionCredentials = (profile: Profile, keyed: Credentials.Keyed<string>, name: string): Credentials.Service => {
  const renew = Effect.zipRight(keyed.invalidate(name), keyed.token(name))
  return {
    profile: profile.name,
    token: (options) => keyed.token(name, options),
    // Effect's `Cache` is read through an effect only.
    unsafeFreshToken: () => Option.none(),
    refresh: renew,
    // A concurrent call may have renewed it already: only the token that was rejected is thrown away.
    refreshRejected: (rejected) =>
      Effect.flatMap(keyed.token(name), (current) =>
        Equal.equals(current.accessToken, rejected.accessToken) ? renew : Effect.succeed(current)
      ),
    status: profile.credentials.status,
    logout: Effect.as(keyed.invalidate(name), true)
  }
}

export const credentialsFor = (
  profile: Profile,
  sessionName: string | undefined
): Effect.Effect<Credentials.Service, SessionUnsupported> => {
  if (sessionName === undefined) return Effect.succeed(profile.credentials)
  if (profile.sessions === undefined) {
    return Effect.fail(new SessionUnsupported({ profile: profile.name, flow: profile.flow }))
  }
  return Effect.succeed(sessionCredentials(profile, profile.sessions, sessionName))
}
