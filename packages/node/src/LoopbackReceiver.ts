/**
 * The loopback redirect receiver of a native app (RFC 8252 §7.3): an HTTP listener on 127.0.0.1 that waits
 * for the one authorization callback of one login. It answers only its exact path on a loopback `Host`
 * (no DNS rebinding), checks `state` in constant time, accepts a single callback, shows the browser a
 * short "you can close this tab" page, and closes after the callback or the timeout.
 *
 * @since 0.1.0
 */

import { randomBytes, timingSafeEqual } from "node:crypto"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { AccessDenied, ExpiredToken, InvalidRequest, TransportError } from "@coze-auth/core/CozeError"
import { Deferred, Duration, Effect, Runtime, type Scope } from "effect"
import * as Page from "./internal/page.js"

/**
 * What the callback can end with: the user denied, the server reported an error, or nobody came in time.
 *
 * @since 0.1.0
 * @category Models
 */
export type CallbackError = AccessDenied | InvalidRequest | ExpiredToken

/**
 * @since 0.1.0
 * @category Models
 */
export interface Receiver {
  /** `http://127.0.0.1:<port><path>`: give it to the authorize URL as `redirect_uri`. */
  readonly redirectUri: string
  /** The CSPRNG `state` (32 bytes, base64url) the callback must carry back. */
  readonly state: string
  /** The authorization code, once the browser comes back. */
  readonly callback: Effect.Effect<{ readonly code: string }, CallbackError>
}

/**
 * @since 0.1.0
 * @category Models
 */
export interface Options {
  /** 0 (default) picks a free port; a fixed one for apps whose redirect URI names it. */
  readonly port?: number | undefined
  /** Default `/callback`. */
  readonly path?: string | undefined
  /** How long to wait for the browser; default 5 minutes. */
  readonly timeout?: Duration.DurationInput | undefined
  /** Default: a fresh CSPRNG value. */
  readonly state?: string | undefined
}

const loopbackHosts = new Set(["127.0.0.1", "localhost", "[::1]"])

const sameSecret = (a: string, b: string): boolean => {
  const [left, right] = [Buffer.from(a), Buffer.from(b)]
  return left.length === right.length && timingSafeEqual(left, right)
}

/** `new URL`, but `undefined` for what a client can send that is not one (`GET //[`, a bad `Host`). */
const parsed = (input: string, base?: string) => {
  try {
    return new URL(input, base)
  } catch {
    return undefined
  }
}

/** A status and the page that goes with it. */
type Reply = readonly [status: number, page: string]

const pageHeaders = {
  "content-type": "text/html; charset=utf-8",
  "cache-control": "no-store",
  "referrer-policy": "no-referrer",
  connection: "close"
}

/**
 * Starts the listener; closing the scope stops it (it also stops by itself after one callback or the timeout).
 *
 * @since 0.1.0
 * @category Constructors
 */
export const make = (options: Options = {}): Effect.Effect<Receiver, TransportError, Scope.Scope> =>
  Effect.gen(function* () {
    const path = options.path ?? "/callback"
    const state = options.state ?? randomBytes(32).toString("base64url")
    const outcome = yield* Deferred.make<{ readonly code: string }, CallbackError>()
    const runtime = yield* Effect.runtime<never>()
    const complete = (effect: Effect.Effect<{ readonly code: string }, CallbackError>) =>
      Runtime.runSync(runtime)(Deferred.complete(outcome, effect))
    const isDone = () => Runtime.runSync(runtime)(Deferred.isDone(outcome))

    // What to answer a request; completes the login when it is the callback.
    const route = (request: http.IncomingMessage): Reply => {
      const host = parsed(`http://${request.headers.host ?? ""}`)
      if (host === undefined || !loopbackHosts.has(host.hostname) || host.port !== String(port)) {
        return [400, Page.error("This address only answers loopback requests.")]
      }
      const url = parsed(request.url ?? "/", "http://127.0.0.1")
      if (url === undefined) return [400, Page.error("This address is not valid.")]
      if (request.method !== "GET" || url.pathname !== path) return [404, Page.error("Not found.")]
      if (isDone()) return [410, Page.error("This login has already been completed. You can close this tab.")]
      const params = url.searchParams
      // A request without our state is not the login's callback (a stale tab, a forgery): refuse it and
      // keep waiting for the real one.
      if (!sameSecret(params.get("state") ?? "", state)) {
        return [400, Page.error("This callback does not belong to the login in progress. Start the login again.")]
      }
      const error = params.get("error")
      const code = params.get("code")
      if (error !== null) {
        const description = params.get("error_description") ?? error
        complete(
          error === "access_denied" || error === "access_deny"
            ? Effect.fail(new AccessDenied({ description: `authorization denied: ${description}` }))
            : Effect.fail(new InvalidRequest({ description: `authorization failed: ${description}` }))
        )
        return [400, Page.error("The authorization was not granted. You can close this tab.")]
      }
      if (code === null || code === "") return [400, Page.error("The callback carries no authorization code.")]
      complete(Effect.succeed({ code }))
      return [200, Page.done()]
    }

    const server = http.createServer((request, response) => {
      try {
        const [status, page] = route(request)
        response.writeHead(status, pageHeaders).end(page)
      } catch {
        // An exception here would be uncaught and end the process running the login: drop this request
        // instead, and keep waiting for the callback.
        response.destroy()
      }
    })

    const port = yield* Effect.async<number, TransportError>((resume) => {
      server.once("error", (cause) =>
        resume(
          Effect.fail(
            new TransportError({
              description: `cannot listen on 127.0.0.1:${options.port ?? 0}`,
              hint: "choose another port, or free this one",
              cause
            })
          )
        )
      )
      server.listen(options.port ?? 0, "127.0.0.1", () =>
        resume(Effect.succeed((server.address() as AddressInfo).port))
      )
    })
    const close = Effect.async<void>((resume) => {
      server.close(() => resume(Effect.void))
      server.closeAllConnections()
    })
    yield* Effect.addFinalizer(() => close)

    const timeout = Duration.decode(options.timeout ?? Duration.minutes(5))
    const expired = new ExpiredToken({
      description: `no authorization arrived within ${Duration.format(timeout)}`,
      hint: "start the login again"
    })
    // Stop listening as soon as the login is decided, by the browser or by the clock.
    yield* Deferred.await(outcome).pipe(
      Effect.timeoutFail({ duration: timeout, onTimeout: () => expired }),
      Effect.exit,
      Effect.flatMap((exit) => Effect.zipRight(Deferred.done(outcome, exit), close)),
      Effect.forkScoped
    )

    return { redirectUri: `http://127.0.0.1:${port}${path}`, state, callback: Deferred.await(outcome) }
  })
