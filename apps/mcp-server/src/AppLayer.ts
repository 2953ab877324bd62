/**
 * The layer graph behind the runtime: the shared profiles (@coze-auth/profiles) over one token store and
 * HTTP client (which the API tools use too), the pending-login registry, the settings (deadlines included), and
 * logs on stderr.
 */

import * as Deadline from "@coze-auth/core/Deadline"
import type { TokenStore } from "@coze-auth/core/TokenStore"
import * as NodeCoze from "@coze-auth/node/NodeCoze"
import type * as Profiles from "@coze-auth/profiles/Profiles"
import type { HttpClient } from "@effect/platform"
import { Layer, RuntimeFlags } from "effect"
import * as Logins from "./Logins.js"
import { type Services, stderrLogger } from "./Runtime.js"
import { Settings, type Service as SettingsService } from "./Settings.js"

/** Everything the tools need: the profiles over one token store and HTTP client, logins, settings, stderr logs. */
export const make = <E, E2>(options: {
  readonly profiles: Layer.Layer<Profiles.Profiles, E, HttpClient.HttpClient | TokenStore>
  readonly store: Layer.Layer<TokenStore, E2>
  readonly settings: SettingsService
}): Layer.Layer<Services, E | E2> =>
  Logins.layer.pipe(
    Layer.provideMerge(options.profiles),
    Layer.provideMerge(Layer.succeed(Settings, options.settings)),
    Layer.provideMerge(Layer.succeed(Deadline.Deadlines, options.settings.deadlines)),
    Layer.provide(options.store),
    Layer.provideMerge(NodeCoze.layer),
    Layer.provide(stderrLogger),
    // Nothing reads Effect's fiber metrics here; keeping them costs every tool call's fiber five metric updates.
    Layer.provide(RuntimeFlags.disableRuntimeMetrics)
  )
