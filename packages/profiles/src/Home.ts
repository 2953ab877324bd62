/**
 * `COZE_AUTH_HOME`: the directory for the toolkit's own state (profiles.json, token files, locks), the same
 * for the MCP server, the CLI and Effect programs (architecture §3).
 *
 * @since 0.1.0
 */
import * as os from "node:os"
import * as path from "node:path"
import * as CozeError from "@coze-auth/core/CozeError"
import { Config, Effect } from "effect"

/** An empty variable (`COZE_AUTH_HOME=` in a client's config) counts as unset, not as the working directory. */
const nonEmpty = (name: string) =>
  Config.string(name).pipe(Config.validate({ message: "", validation: (s) => s !== "" }))

/**
 * `COZE_AUTH_HOME`, else `$XDG_CONFIG_HOME/coze-auth`, else `~/.config/coze-auth`; always absolute.
 *
 * @since 0.1.0
 * @category Config
 */
export const config: Config.Config<string> = nonEmpty("COZE_AUTH_HOME").pipe(
  Config.orElse(() => Config.map(nonEmpty("XDG_CONFIG_HOME"), (xdg) => path.join(xdg, "coze-auth"))),
  Config.orElse(() => Config.sync(() => path.join(os.homedir(), ".config", "coze-auth"))),
  Config.map((dir) => path.resolve(dir))
)

/**
 * @since 0.1.0
 * @category Config
 */
export const load: Effect.Effect<string, CozeError.ConfigError> = Effect.mapError(config, CozeError.fromConfigError)
