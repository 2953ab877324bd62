/**
 * The profiles this server serves: each a region, a flow, its `Credentials` and a way to log in. Built once
 * from the `ProfileSpec`s (env, profiles.json, or the sandbox's demo apps) over one shared token store.
 */

import type * as CozeError from "@coze-auth/core/CozeError"
import type * as Credentials from "@coze-auth/core/Credentials"
import type * as Region from "@coze-auth/core/Region"
import type { Flow, Token } from "@coze-auth/core/Token"
import type { LoginHandle } from "@coze-auth/node/Login"
import { Context, Effect, type Option, type Scope } from "effect"
import { UnknownProfile } from "./ToolError.js"

/** Device and PKCE logins wait for the user; a JWT app mints at once; a static token needs no login. */
export type LoginStart =
  | { readonly _tag: "Interactive"; readonly handle: LoginHandle }
  | { readonly _tag: "Immediate"; readonly token: Token }

export interface Profile {
  readonly name: string
  readonly region: Region.Region
  readonly flow: Flow
  readonly credentials: Credentials.Service
  /** JWT profiles: a token per `session_name` (one end user each), from a bounded cache. */
  readonly sessions?: Credentials.Keyed<string> | undefined
  readonly login: (options: {
    readonly workspaceId: Option.Option<string>
  }) => Effect.Effect<LoginStart, CozeError.CozeError, Scope.Scope>
}

export interface Service {
  /** Every profile, the default one first. */
  readonly all: ReadonlyArray<Profile>
  /** The named profile, or the default one. */
  readonly get: (name: string | undefined) => Effect.Effect<Profile, UnknownProfile>
}

export class Profiles extends Context.Tag("app/Profiles")<Profiles, Service>() {}

export const make = (profiles: ReadonlyArray<Profile>): Service => {
  const byName = new Map(profiles.map((profile) => [profile.name, profile]))
  const known = profiles.map((profile) => profile.name)
  return {
    all: profiles,
    get: (name) => {
      const profile = name === undefined ? profiles[0] : byName.get(name)
      return profile === undefined ? new UnknownProfile({ profile: name ?? "default", known }) : Effect.succeed(profile)
    }
  }
}
