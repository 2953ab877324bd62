/** `logout`: forgets stored credentials. Coze has no revocation endpoint, so the user is told what that means. */

import type { Profile } from "@coze-auth/profiles/Profile"
import * as Profiles from "@coze-auth/profiles/Profiles"
import { Command, Options } from "@effect/cli"
import { Console, Effect } from "effect"
import { describe, findProfile, profileOption } from "./shared.js"

const all = Options.boolean("all").pipe(Options.withDescription("log out of every profile"))

const logout = (profile: Profile) =>
  Effect.flatMap(profile.credentials.logout, (removed) =>
    Console.log(
      removed
        ? `Logged out of profile "${profile.name}": its stored credential is deleted.`
        : `Profile "${profile.name}" had no stored credential.`
    )
  )

export const command = Command.make("logout", { profile: profileOption, all }, (args) =>
  Effect.gen(function* () {
    const chosen = args.all ? (yield* Profiles.Profiles).all : [yield* findProfile(args.profile)]
    yield* Effect.forEach(chosen, logout, { discard: true })
    yield* Console.log(
      "Coze cannot revoke tokens: an access token already handed out stays valid until it expires. To withdraw an " +
        "app's access, remove its authorization in your Coze account's settings."
    )
  })
).pipe(
  describe(
    "Deletes the stored credential of the profile (or of every profile with --all) from the token store.",
    "coze-auth logout",
    "coze-auth logout --all"
  )
)
