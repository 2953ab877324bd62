/**
 * `status`: where each profile stands, in the shared status model (the MCP server's `status` too), plus the
 * user the token belongs to when Coze says so. Never a token: the human form shows at most its first and last
 * four characters, `--json` nothing of it. Exits 0 whatever it reports.
 */
import type { Profile } from "@coze-auth/profiles/Profile"
import * as Profiles from "@coze-auth/profiles/Profiles"
import * as Status from "@coze-auth/profiles/Status"
import { Command } from "@effect/cli"
import { Console, DateTime, Effect, Either, Option, Redacted } from "effect"
import { mask, validUntil } from "../Output.js"
import * as Users from "../Users.js"
import { describe, findProfile, flowName, jsonOption, profileOption } from "./shared.js"

interface Report {
  readonly profile: Profile
  readonly status: Status.ProfileStatus
  readonly user: Option.Option<Users.User>
  /** The first and last four characters of the current token. */
  readonly masked: Option.Option<string>
}

/** A profile whose credential cannot even be read (its store fails) is reported with why, like a broken one. */
const reportOf = (profile: Profile, store: Profiles.Service["store"]) =>
  Effect.gen(function* () {
    const status = yield* Status.of(profile, store)
    // Who it is, while the token is valid; status never renews it (minValidSeconds 0 takes it as it is).
    const token = status.valid ? yield* Effect.option(profile.credentials.token({ minValidSeconds: 0 })) : Option.none()
    const user = Option.isSome(token) ? yield* Users.known(profile.region, token.value.accessToken) : Option.none()
    const masked = Option.map(token, (token) => mask(Redacted.value(token.accessToken)))
    return { profile, status, user, masked } satisfies Report
  }).pipe(
    Effect.mapError((error) => ({ name: profile.name, error })),
    Effect.either
  )

const human = (report: Report, now: DateTime.Utc) => {
  const { profile, status } = report
  const rows: Array<readonly [string, string]> = [
    ["region", `${status.region} (${status.api_base})`],
    ["flow", flowName[status.flow]],
    ["store", `${status.store.kind} ${status.store.location}${status.store.encrypted ? " (encrypted)" : ""}`]
  ]
  if (!status.authenticated) {
    rows.push(["logged in", `no; run \`coze-auth login --profile ${profile.name}\``])
  } else {
    const who = Option.match(report.user, { onNone: () => "yes", onSome: (user) => `yes, as ${user.display}` })
    const expiry = validUntil(now, expiresAt(status))
    const renewal = status.expired ? (status.refreshable ? "; renewed on next use" : "; log in again") : ""
    rows.push(["logged in", who], ["valid until", `${expiry}${renewal}`])
    rows.push(["refreshable", status.refreshable ? "yes" : "no"])
    if (Option.isSome(report.masked)) rows.push(["token", report.masked.value])
  }
  return [profile.name, ...rows.map(([key, value]) => `  ${key.padEnd(12)}${value}`)].join("\n")
}

const expiresAt = (status: Status.ProfileStatus) =>
  Option.map(Option.fromNullable(status.expires_at), (iso) => DateTime.unsafeMake(iso))

export const command = Command.make("status", { profile: profileOption, json: jsonOption }, (args) =>
  Effect.gen(function* () {
    const profiles = yield* Profiles.Profiles
    const chosen = Option.isSome(args.profile) ? [yield* findProfile(args.profile)] : profiles.all
    const outcomes = yield* Effect.forEach(chosen, (profile) => reportOf(profile, profiles.store), {
      concurrency: "unbounded"
    })
    const reports = outcomes.flatMap((outcome) => (Either.isRight(outcome) ? [outcome.right] : []))
    // A broken profile is reported, not fatal: the others still work.
    const broken = [
      ...(Option.isSome(args.profile) ? [] : profiles.broken),
      ...outcomes.flatMap((outcome) => (Either.isLeft(outcome) ? [outcome.left] : []))
    ]
    const fileError = Option.isSome(args.profile) ? Option.none() : profiles.fileError
    if (Option.isSome(fileError)) yield* Console.error(`coze-auth: ${fileError.value.message}`)
    if (args.json)
      return yield* Console.log(
        JSON.stringify(
          [
            ...reports.map((report) => ({
              ...report.status,
              user: Option.getOrNull(Option.map(report.user, (user) => ({ ...user })))
            })),
            ...broken.map((profile) => ({ profile: profile.name, authenticated: false, error: profile.error.message }))
          ],
          null,
          2
        )
      )
    if (reports.length === 0 && broken.length === 0)
      return yield* Console.log(
        "No profile is configured: set the COZE_* variables (docs/cli.md) or run `coze-auth profiles add`."
      )
    const now = yield* DateTime.now
    yield* Console.log(
      [
        ...reports.map((report) => human(report, now)),
        ...broken.map((profile) => `${profile.name}\n  broken      ${profile.error.message}`)
      ].join("\n\n")
    )
  }).pipe(
    // status reports; it does not fail (architecture §7): a profile it cannot show is said on stderr.
    Effect.catchAll((error) => Console.error(`coze-auth: ${error.message}`))
  )
).pipe(
  describe(
    "Shows every profile (or one): region, flow, where its credential is stored, whether it is logged in and as " +
      "whom, until when, and whether it can refresh. Never shows a token. Always exits 0.",
    "coze-auth status",
    "coze-auth status --profile cn --json"
  )
)
