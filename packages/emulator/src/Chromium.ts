/**
 * Headless Chromium for page tests (Debian's `chromium`; override the binary with `CHROMIUM_PATH`).
 *
 * A test helper, kept out of the package's barrel: import it as `@coze-auth/emulator/Chromium`, with
 * `playwright-core` among your own devDependencies (it is only one of this package's).
 *
 * @since 0.1.0
 */
import { Effect, type Scope } from "effect"
import { type Browser, chromium, type Page } from "playwright-core"

/**
 * @since 0.1.0
 * @category Constants
 */
export const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium"

const args = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync"
]

/**
 * A browser that closes with the scope.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const browser: Effect.Effect<Browser, never, Scope.Scope> = Effect.acquireRelease(
  Effect.promise(() => chromium.launch({ executablePath, args })),
  (browser) => Effect.promise(() => browser.close())
)

/**
 * A fresh page in its own browser, closed with the scope.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const page: Effect.Effect<Page, never, Scope.Scope> = Effect.flatMap(browser, (browser) =>
  Effect.promise(() => browser.newPage())
)
