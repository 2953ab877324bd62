/**
 * Interactive logins that end with a credential in the `TokenStore`: the device flow (show a URL and a
 * code, wait for the user) and PKCE (loopback receiver, browser, exchange). Both return at once with what
 * to show the user and finish in a background fiber of the caller's `Scope`: await `completion`, or
 * `cancel` (closing the scope cancels too).
 *
 * @since 0.1.0
 */
import type { CozeError } from "@coze-auth/core/CozeError"
import type * as DeviceOAuth from "@coze-auth/core/DeviceOAuth"
import type * as PkceOAuth from "@coze-auth/core/PkceOAuth"
import type { Token } from "@coze-auth/core/Token"
import { TokenStore } from "@coze-auth/core/TokenStore"
import { DateTime, Duration, Effect, Fiber, Option, type Scope } from "effect"
import { Browser } from "./Browser.js"
import * as LoopbackReceiver from "./LoopbackReceiver.js"

/**
 * What to show the user while a login waits for them.
 *
 * @since 0.1.0
 * @category Models
 */
export interface PendingLogin {
  readonly flow: "device" | "pkce"
  /** Device: the verification page with the code filled in. PKCE: the authorize URL. */
  readonly verificationUrl: string
  /** Device only: the code to type when the URL is opened by hand. */
  readonly userCode: Option.Option<string>
  readonly expiresAt: DateTime.Utc
}

/**
 * @since 0.1.0
 * @category Models
 */
export interface LoginProgress {
  readonly secondsLeft: number
  readonly attempt: number
}

/**
 * @since 0.1.0
 * @category Models
 */
export interface LoginHandle {
  readonly pending: PendingLogin
  /** The stored token, once the user has answered. */
  readonly completion: Effect.Effect<Token, CozeError>
  readonly cancel: Effect.Effect<void>
}

/** Runs `finish` in the background of the scope, storing its token under `profile`. */
const inBackground = (profile: string, pending: PendingLogin, finish: Effect.Effect<Token, CozeError>) =>
  Effect.gen(function* () {
    const store = yield* TokenStore
    const fiber = yield* finish.pipe(
      // Under the lock: a refresh holding it in another process must not overwrite the new login with the
      // old session's token after we write.
      Effect.tap((token) => store.withLock(profile, store.set(profile, token))),
      Effect.tap(() =>
        Effect.logDebug("coze-auth: logged in").pipe(Effect.annotateLogs({ profile, flow: pending.flow }))
      ),
      Effect.forkScoped
    )
    return { pending, completion: Fiber.join(fiber), cancel: Effect.asVoid(Fiber.interrupt(fiber)) }
  })

/**
 * Device login: requests a code, returns the verification URL and code, then polls in the background.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const device = (options: {
  readonly profile: string
  readonly client: DeviceOAuth.Service
  readonly workspaceId?: string | undefined
  readonly onProgress?: ((progress: LoginProgress) => Effect.Effect<void>) | undefined
}): Effect.Effect<LoginHandle, CozeError, TokenStore | Scope.Scope> =>
  Effect.gen(function* () {
    const { client, onProgress } = options
    const code = yield* client.deviceCode({ workspaceId: options.workspaceId })
    const pending: PendingLogin = {
      flow: "device",
      verificationUrl: code.verificationUrl,
      userCode: Option.some(code.userCode),
      expiresAt: code.expiresAt
    }
    const finish = client.awaitToken(code, {
      onProgress: (progress) =>
        onProgress === undefined
          ? Effect.void
          : onProgress({ secondsLeft: progress.secondsLeft, attempt: progress.attempt })
    })
    return yield* inBackground(options.profile, pending, finish)
  })

/**
 * PKCE login: starts a loopback receiver, opens the authorize URL in the browser (when it cannot, the
 * caller shows `pending.verificationUrl`), then waits for the callback and exchanges the code in the
 * background. The receiver gives up after `timeout` (default 5 minutes) with `ExpiredToken`.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const pkce = (options: {
  readonly profile: string
  readonly client: PkceOAuth.Service
  readonly workspaceId?: string | undefined
  /** Default true. */
  readonly openBrowser?: boolean | undefined
  readonly timeout?: Duration.DurationInput | undefined
  /** A fixed port for apps whose registered redirect URI names one; default any free port. */
  readonly port?: number | undefined
}): Effect.Effect<LoginHandle, CozeError, TokenStore | Browser | Scope.Scope> =>
  Effect.gen(function* () {
    const { client } = options
    const timeout = Duration.decode(options.timeout ?? Duration.minutes(5))
    const receiver = yield* LoopbackReceiver.make({ timeout, port: options.port })
    const authorization = yield* client.authorizationUrl({
      redirectUri: receiver.redirectUri,
      state: receiver.state,
      workspaceId: options.workspaceId
    })
    if (options.openBrowser !== false) {
      const browser = yield* Browser
      yield* browser
        .open(authorization.url)
        .pipe(Effect.catchAll((error) => Effect.logWarning(`coze-auth: ${error.message}`)))
    }
    const pending: PendingLogin = {
      flow: "pkce",
      verificationUrl: authorization.url,
      userCode: Option.none(),
      expiresAt: DateTime.addDuration(yield* DateTime.now, timeout)
    }
    const finish = Effect.flatMap(receiver.callback, ({ code }) =>
      client.exchange({ code, codeVerifier: authorization.codeVerifier, redirectUri: receiver.redirectUri })
    )
    return yield* inBackground(options.profile, pending, finish)
  })
