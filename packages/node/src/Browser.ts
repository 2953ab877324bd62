/**
 * Opens a URL in the user's browser: `http`/`https` only, started directly with an argument vector (never
 * through a shell, so nothing in the URL is interpreted). When no browser can be started — a server, SSH,
 * a container — it fails with `BrowserUnavailable` and the caller shows the URL instead.
 *
 * @since 0.1.0
 */

import { spawn } from "node:child_process"
import { Context, Effect, Layer, Schema } from "effect"

/**
 * @since 0.1.0
 * @category Errors
 */
export class BrowserUnavailable extends Schema.TaggedError<BrowserUnavailable>(
  "@coze-auth/node/Browser/BrowserUnavailable"
)("BrowserUnavailable", { description: Schema.String, cause: Schema.optional(Schema.Defect) }) {
  override get message() {
    return `${this.description}; open the URL yourself`
  }
}

/**
 * @since 0.1.0
 * @category Models
 */
export interface Service {
  readonly open: (url: string) => Effect.Effect<void, BrowserUnavailable>
}

/**
 * @since 0.1.0
 * @category Context
 */
export class Browser extends Context.Tag("@coze-auth/node/Browser")<Browser, Service>() {}

/**
 * The program and arguments that open `url` on `platform`.
 *
 * @since 0.1.0
 * @category Utils
 */
export const command = (platform: NodeJS.Platform, url: string): readonly [string, ReadonlyArray<string>] =>
  platform === "darwin"
    ? ["open", [url]]
    : platform === "win32"
      ? ["rundll32", ["url.dll,FileProtocolHandler", url]]
      : ["xdg-open", [url]]

const checkUrl = (url: string) =>
  Effect.try({
    try: () => new URL(url),
    catch: () => new BrowserUnavailable({ description: "not a URL" })
  }).pipe(
    Effect.filterOrFail(
      (parsed) => parsed.protocol === "http:" || parsed.protocol === "https:",
      (parsed) => new BrowserUnavailable({ description: `refusing to open a ${parsed.protocol} URL` })
    )
  )

const hasDisplay = (env: NodeJS.ProcessEnv, platform: NodeJS.Platform) =>
  platform === "darwin" || platform === "win32" || env.DISPLAY !== undefined || env.WAYLAND_DISPLAY !== undefined

const launch = (program: string, args: ReadonlyArray<string>) =>
  Effect.async<void, BrowserUnavailable>((resume) => {
    const child = spawn(program, args, { stdio: "ignore", detached: true, shell: false })
    child.once("error", (cause) =>
      resume(Effect.fail(new BrowserUnavailable({ description: `cannot start ${program}`, cause })))
    )
    child.once("spawn", () => {
      child.unref()
      resume(Effect.void)
    })
  })

/**
 * The system opener: `open` on macOS, `rundll32 url.dll` on Windows, `xdg-open` elsewhere (only with a
 * graphical session: `DISPLAY` or `WAYLAND_DISPLAY`).
 *
 * @since 0.1.0
 * @category Constructors
 */
export const makeSystem = (
  options: { readonly platform?: NodeJS.Platform | undefined; readonly env?: NodeJS.ProcessEnv | undefined } = {}
): Service => {
  const platform = options.platform ?? process.platform
  const env = options.env ?? process.env
  return {
    open: (url) =>
      Effect.gen(function* () {
        const checked = yield* checkUrl(url)
        if (!hasDisplay(env, platform)) {
          return yield* new BrowserUnavailable({ description: "no graphical session (DISPLAY is not set)" })
        }
        const [program, args] = command(platform, checked.href)
        yield* launch(program, args)
      })
  }
}

/**
 * @since 0.1.0
 * @category Layers
 */
export const layer: Layer.Layer<Browser> = Layer.sync(Browser, () => makeSystem())

/**
 * A browser that never opens: for servers and tests, where the URL is always shown instead.
 *
 * @since 0.1.0
 * @category Layers
 */
export const layerUnavailable: Layer.Layer<Browser> = Layer.succeed(Browser, {
  open: () => Effect.fail(new BrowserUnavailable({ description: "opening a browser is switched off" }))
})
