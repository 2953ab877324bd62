/** `profiles list | add | remove | default`: manages `profiles.json` in `COZE_AUTH_HOME`. */
import * as fs from "node:fs/promises"
import * as Home from "@coze-auth/profiles/Home"
import * as Profiles from "@coze-auth/profiles/Profiles"
import { Args, Command, Options } from "@effect/cli"
import { Console, Effect, Option, Predicate } from "effect"
import { CliFailure } from "../Failure.js"
import * as ProfilesFile from "../ProfilesFile.js"
import { describe, jsonOption } from "./shared.js"

const nameArg = Args.text({ name: "name" }).pipe(Args.withDescription("the profile's name"))

const list = Command.make("list", { json: jsonOption }, (args) =>
  Effect.gen(function* () {
    const { all, broken, defaultName } = yield* Profiles.Profiles
    const defaultProfile = Option.getOrUndefined(defaultName)
    const rows = [
      ...all.map((profile) => ({
        name: profile.name,
        flow: profile.flow,
        api_base: profile.region.apiBase,
        default: profile.name === defaultProfile,
        error: null as string | null
      })),
      ...broken.map((profile) => ({
        name: profile.name,
        flow: null,
        api_base: null,
        default: profile.name === defaultProfile,
        error: profile.error.message
      }))
    ]
    if (args.json) return yield* Console.log(JSON.stringify(rows, null, 2))
    if (rows.length === 0)
      return yield* Console.log("No profile is configured: set the COZE_* variables or run `coze-auth profiles add`.")
    const width = Math.max(...rows.map((row) => row.name.length))
    for (const row of rows)
      yield* Console.log(
        `${row.default ? "*" : " "} ${row.name.padEnd(width)}  ${
          row.error === null ? `${row.flow}  ${row.api_base}` : `broken: ${row.error}`
        }`
      )
  })
).pipe(describe("Lists the profiles; * marks the default one.", "coze-auth profiles list --json"))

const add = Command.make(
  "add",
  {
    fromJson: Options.file("from-json", { exists: "yes" }).pipe(
      Options.withDescription("the app's JSON downloaded from the Coze console (coze_oauth_config.json)")
    ),
    name: nameArg
  },
  (args) =>
    Effect.gen(function* () {
      const home = yield* Home.load
      const text = yield* Effect.tryPromise({
        try: () => fs.readFile(args.fromJson, "utf8"),
        catch: () => new CliFailure({ message: `cannot read ${args.fromJson}; check the path and its permissions` })
      })
      const app = yield* Effect.try({
        try: () => JSON.parse(text) as unknown,
        catch: () =>
          new CliFailure({
            message: `${args.fromJson} is not JSON; download the app's JSON from the Coze console again`
          })
      })
      if (!Predicate.isRecord(app))
        return yield* new CliFailure({ message: `${args.fromJson} must hold one app's JSON object` })
      yield* ProfilesFile.add(home, args.name, app)
      yield* Console.log(
        `Added profile "${args.name}" to ${ProfilesFile.pathOf(home)}. Log in with: coze-auth login --profile ${args.name}`
      )
    })
).pipe(
  describe(
    "Adds a profile from the app JSON the Coze console downloads (device, pkce, jwt), checked before it is kept.",
    "coze-auth profiles add --from-json ~/Downloads/coze_oauth_config.json cn"
  )
)

const remove = Command.make("remove", { name: nameArg }, (args) =>
  Effect.gen(function* () {
    const { all } = yield* Profiles.Profiles
    const home = yield* Home.load
    const entries = yield* ProfilesFile.read(home)
    if (entries[args.name] === undefined)
      return yield* new CliFailure({
        message: `${ProfilesFile.pathOf(home)} has no profile "${args.name}"${
          args.name === "default" ? "; the default profile of the COZE_* variables goes away when they are unset" : ""
        }`
      })
    // Its stored credential goes too: nothing would use it any more.
    const profile = all.find((profile) => profile.name === args.name)
    if (profile !== undefined) yield* Effect.ignore(profile.credentials.logout)
    const { [args.name]: _, ...rest } = entries
    yield* ProfilesFile.write(home, rest)
    yield* Console.log(`Removed profile "${args.name}" and its stored credential.`)
  })
).pipe(
  describe("Removes a profile from profiles.json and forgets its stored credential.", "coze-auth profiles remove cn")
)

const setDefault = Command.make("default", { name: nameArg }, (args) =>
  Effect.gen(function* () {
    const home = yield* Home.load
    const envDefault = (yield* Profiles.Profiles).all.some((profile) => profile.spec.origin === "env")
    const entries = yield* ProfilesFile.read(home)
    if (entries[args.name] === undefined)
      return yield* new CliFailure({
        message: `${ProfilesFile.pathOf(home)} has no profile "${args.name}"; see coze-auth profiles list`
      })
    const updated = Object.fromEntries(
      Object.entries(entries).map(([name, entry]) => {
        const { default: _, ...rest } = entry
        return [name, name === args.name ? { ...rest, default: true } : rest]
      })
    )
    yield* ProfilesFile.write(home, updated)
    yield* Console.log(`Profile "${args.name}" is now the default.`)
    if (envDefault)
      yield* Console.error(
        "coze-auth: the COZE_* variables define a default profile, which stays the default while they are set"
      )
  })
).pipe(
  describe("Makes a profiles.json profile the one used when no --profile is given.", "coze-auth profiles default cn")
)

export const command = Command.make("profiles").pipe(
  Command.withSubcommands([list, add, remove, setDefault]),
  describe(
    "Manages the profiles in profiles.json (in COZE_AUTH_HOME), shared with the MCP server.",
    "coze-auth profiles list",
    "coze-auth profiles add --from-json coze_oauth_config.json cn"
  )
)
