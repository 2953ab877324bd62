/** `token`: a valid access token on stdout, alone, for `COZE_API_TOKEN=$(coze-auth token)`. */
import { Command, Options } from "@effect/cli"
import { Console, DateTime, Duration, Effect, Option, Redacted } from "effect"
import { toIso } from "../Output.js"
import { describe, findProfile, jsonOption, profileOption } from "./shared.js"

const minValid = Options.integer("min-valid").pipe(
  Options.withDescription("refresh first unless the token stays valid at least this many seconds"),
  Options.optional
)

export const command = Command.make("token", { profile: profileOption, minValid, json: jsonOption }, (args) =>
  Effect.gen(function* () {
    const { credentials, name, region } = yield* findProfile(args.profile)
    const minValidSeconds = Option.getOrUndefined(args.minValid)
    const token = yield* credentials.token({ minValidSeconds })
    // No token lives as long as was asked: say so rather than hand out a shorter one silently.
    if (minValidSeconds !== undefined && Option.isSome(token.expiresAt)) {
      const left = Duration.toSeconds(DateTime.distanceDuration(yield* DateTime.now, token.expiresAt.value))
      if (left < minValidSeconds)
        yield* Console.error(
          `coze-auth: profile "${name}" hands out tokens valid for ${Math.floor(left)} s at most, less than --min-valid ${minValidSeconds}`
        )
    }
    const accessToken = Redacted.value(token.accessToken)
    yield* Console.log(
      args.json
        ? JSON.stringify({
            access_token: accessToken,
            token_type: "Bearer",
            expires_at: toIso(token.expiresAt),
            api_base: region.apiBase
          })
        : accessToken
    )
  })
).pipe(
  describe(
    "Prints a valid access token for the profile, refreshed first when it is due, and nothing else. " +
      "Exits 3 when the profile is not logged in.",
    "export COZE_API_TOKEN=$(coze-auth token)",
    "coze-auth token --profile cn --min-valid 600 --json"
  )
)
