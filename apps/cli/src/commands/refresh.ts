/** `refresh`: renews the profile's token now (a new JWT for service apps). */
import { Command } from "@effect/cli"
import { Console, DateTime, Effect } from "effect"
import { validUntil } from "../Output.js"
import { describe, findProfile, profileOption } from "./shared.js"

export const command = Command.make("refresh", { profile: profileOption }, (args) =>
  Effect.gen(function* () {
    const { name, refresh } = yield* findProfile(args.profile)
    const token = yield* refresh
    yield* Console.log(
      `Refreshed profile "${name}": the new token is valid until ${validUntil(yield* DateTime.now, token.expiresAt)}.`
    )
  })
).pipe(
  describe(
    "Renews the profile's access token now, whatever its expiry (coze-auth also does so by itself when it is due). " +
      "Exits 3 when the profile is not logged in.",
    "coze-auth refresh --profile cn"
  )
)
