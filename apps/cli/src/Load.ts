/**
 * The profiles, token store and deadlines, exactly the MCP server's: @coze-auth/profiles reads
 * `COZE_AUTH_HOME`, `COZE_AUTH_STORE`, the `COZE_*` variables and profiles.json; `Deadline` the
 * `COZE_AUTH_*_TIMEOUT` variables. The CLI opens the browser itself (so it can say why it did not), hence
 * `openBrowser: false` here.
 */
import type { ConfigError } from "@coze-auth/core/CozeError"
import * as Deadline from "@coze-auth/core/Deadline"
import * as TokenStore from "@coze-auth/core/TokenStore"
import * as ProfileSpec from "@coze-auth/profiles/ProfileSpec"
import * as Profiles from "@coze-auth/profiles/Profiles"
import * as Store from "@coze-auth/profiles/Store"
import { FetchHttpClient } from "@effect/platform"
import { Effect, Layer, Option } from "effect"

export const layer = Layer.merge(Profiles.layerConfig({ openBrowser: false }), Deadline.layerConfig)

/** Fails with the shared loader's verdict on the profile `name` of `<home>/profiles.json`, if it is not usable. */
export const check = (
  home: string,
  name: string
): Effect.Effect<void, ConfigError, import("@effect/platform").FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const loaded = yield* ProfileSpec.load(home)
    if (Option.isSome(loaded.fileError)) return yield* loaded.fileError.value
    const profiles = yield* Profiles.fromLoaded(loaded, { store: Store.StoreChoice.Memory() }).pipe(
      Effect.provide(TokenStore.layerMemory),
      Effect.provide(FetchHttpClient.layer)
    )
    const broken = profiles.broken.find((profile) => profile.name === name)
    if (broken !== undefined) return yield* broken.error
  })
