/**
 * What a profile is before it is wired to a flow: a name, a region, an app, and where each setting came from.
 * The default profile comes from the Coze env vars (architecture §3); more come from `profiles.json` in
 * `COZE_AUTH_HOME`, a map from profile name to the Coze console's downloadable app JSON (decoded and checked
 * by core's `OAuthApp`), with `region`, `redirect_uri`, `private_key_file` and `default` added, or to a
 * static token (`client_type: "token"`), read from the variable `token_env` names or stored by
 * `coze-auth login --with-token`:
 *
 * ```json
 * { "国内": { "client_type": "device", "client_id": "…", "coze_api_base": "https://api.coze.cn", "default": true },
 *   "bot": { "client_type": "jwt", "client_id": "…", "public_key_id": "…", "private_key_file": "bot.pem", "region": "cn" },
 *   "pat": { "client_type": "token", "token_env": "COZE_CN_TOKEN", "region": "cn" } }
 * ```
 *
 * Loading never fails as a whole for one bad profile: each profile loads or is `Broken` with a `ConfigError`
 * that names it and every faulty setting by where it came from (an env var, or a `profiles.json` field).
 *
 * @since 0.1.0
 */

import type * as CozeError from "@coze-auth/core/CozeError"
import type * as Region from "@coze-auth/core/Region"
import type { FileSystem } from "@effect/platform"
import { Effect, Either, Option, type Redacted } from "effect"
import * as env from "./internal/envProfile.js"
import * as file from "./internal/fileProfile.js"

/**
 * @since 0.1.0
 * @category Models
 */
export type App =
  /** `token`: from an env var; `None`: stored in the token store (`coze-auth login --with-token`). */
  | { readonly flow: "token"; readonly token: Option.Option<Redacted.Redacted> }
  | { readonly flow: "device"; readonly clientId: string }
  | { readonly flow: "pkce"; readonly clientId: string; readonly redirectUri: Option.Option<string> }
  | {
      readonly flow: "jwt"
      readonly clientId: string
      readonly privateKey: Redacted.Redacted
      readonly publicKeyId: string
    }

/**
 * Where a profile's settings came from, by the env var core's messages name them with: `{
 * COZE_JWT_OAUTH_PRIVATE_KEY: "profiles.json: bot.private_key_file" }`. Errors are reworded with it.
 *
 * @since 0.1.0
 * @category Models
 */
export type Sources = Readonly<Record<string, string>>

/**
 * @since 0.1.0
 * @category Models
 */
export interface ProfileSpec {
  readonly name: string
  readonly region: Region.Region
  readonly app: App
  /** `env` for the default profile of the `COZE_*` variables, `file` for a `profiles.json` entry. */
  readonly origin: "env" | "file" | "sandbox"
  readonly sources: Sources
}

/**
 * A configured profile that cannot be used, and why (naming it and every setting at fault).
 *
 * @since 0.1.0
 * @category Models
 */
export interface Broken {
  readonly name: string
  readonly origin: ProfileSpec["origin"]
  readonly error: CozeError.ConfigError
}

/**
 * Everything configured: the usable profiles, the broken ones, and a `profiles.json` that cannot be read at
 * all (its profiles are then unknown).
 *
 * @since 0.1.0
 * @category Models
 */
export interface Loaded {
  readonly specs: ReadonlyArray<ProfileSpec>
  readonly broken: ReadonlyArray<Broken>
  readonly fileError: Option.Option<CozeError.ConfigError>
  /** The profile used when none is named: the env's, else the entry with `"default": true` (else, for
   * `Profiles`, the first usable one). */
  readonly defaultProfile: Option.Option<string>
}

/**
 * @since 0.1.0
 * @category Models
 */
export const defaultName = "default"

/**
 * @since 0.1.0
 * @category Models
 */
export const fileName: string = file.fileName

/**
 * What is wrong with a profile name, `undefined` when nothing: any name a user can type is fine (CJK, spaces
 * inside), but not an empty one, one with control characters or spaces around it, or one over 64 characters.
 *
 * @since 0.1.0
 * @category Utils
 */
export const nameProblem: (name: string) => string | undefined = file.nameProblem

/**
 * The default profile from the Coze env vars: `None` when none is set, else the profile or why it is broken.
 * Which variables are set decides the flow, in this order: `COZE_API_TOKEN`, `COZE_JWT_OAUTH_*`,
 * `COZE_DEVICE_OAUTH_CLIENT_ID`, `COZE_PKCE_OAUTH_*`; that flow's own `config` reads them, so a bad setting is
 * reported as the flow's `layerConfig` reports it. A variable set without a credential to go with it (only
 * `COZE_WEB_OAUTH_*`, only `COZE_API_BASE`) is an error, not a silent "nothing configured".
 *
 * @since 0.1.0
 * @category Constructors
 */
export const fromEnv: Effect.Effect<
  Option.Option<Either.Either<ProfileSpec, Broken>>,
  never,
  FileSystem.FileSystem
> = env.fromEnv(defaultName)

/**
 * The profiles in `<home>/profiles.json`: each loaded or broken; a file that cannot be read or is no JSON
 * object is `fileError`. No file: nothing.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const fromFile: (
  home: string
) => Effect.Effect<
  Omit<Loaded, "defaultProfile"> & { readonly defaultProfile: Option.Option<string> },
  never,
  FileSystem.FileSystem
> = file.fromFile

/**
 * Every configured profile: the env's default one (if any) first, then the file's; an env-configured
 * `default` wins over the file's entry of that name.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const load = (home: string): Effect.Effect<Loaded, never, FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const env = yield* fromEnv
    const file = yield* fromFile(home)
    const envName = Option.map(env, () => defaultName)
    const notShadowed = <A extends { readonly name: string }>(items: ReadonlyArray<A>) =>
      Option.isSome(envName) ? items.filter((item) => item.name !== defaultName) : items
    const specs = [...Option.toArray(Option.flatMap(env, Either.getRight)), ...notShadowed(file.specs)]
    const broken = [...Option.toArray(Option.flatMap(env, Either.getLeft)), ...notShadowed(file.broken)]
    return {
      specs,
      broken,
      fileError: file.fileError,
      defaultProfile: Option.orElse(envName, () => file.defaultProfile)
    }
  })

/**
 * Whether anything at all is configured: no profile, broken profile or unreadable file (the only case in
 * which the MCP server may start its sandbox on its own).
 *
 * @since 0.1.0
 * @category Utils
 */
export const isEmpty = (loaded: Loaded): boolean =>
  loaded.specs.length === 0 && loaded.broken.length === 0 && Option.isNone(loaded.fileError)

/**
 * Profiles made in code (a sandbox, a test), as if loaded: the first is the default.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const fromSpecs = (specs: ReadonlyArray<ProfileSpec>): Loaded => ({
  specs,
  broken: [],
  fileError: Option.none(),
  defaultProfile: Option.fromNullable(specs[0]?.name)
})
