/**
 * The loopback redirect receiver of a native app (RFC 8252 §7.3): an `HttpRouter` app on `NodeHttpServer`, on 127.0.0.1, that waits
 * for the one authorization callback of one login. It answers only its exact path on a loopback `Host`
 * (no DNS rebinding), checks `state` in constant time, accepts a single callback, shows the browser a
 * short "you can close this tab" page, and closes after the callback or the timeout.
 *
 * @since 0.1.0
 */

import * as http from "node:http"
import * as Callback from "@coze-auth/core/Callback"
import { type AccessDenied, ExpiredToken, type InvalidRequest, TransportError } from "@coze-auth/core/CozeError"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { Deferred, Duration, Effect, Either, Option, type Scope } from "effect"
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

/** `new URL`, but `undefined` for what a client can send that is not one (`GET //[`, a bad `Host`). */
const parsed = (input: string, base?: string) => (URL.canParse(input, base) ? new URL(input, base) : undefined)

const isPathInput = (path: string): path is HttpRouter.PathInput => path.startsWith("/")

const reply = (status: number, page: string) =>
  HttpServerResponse.text(page, {
    status,
    contentType: "text/html; charset=utf-8",
    headers: { "cache-control": "no-store", "referrer-policy": "no-referrer", connection: "close" }
  })

const refuse = (status: number, message: string) => Effect.succeed(reply(status, Page.error(message)))

/**
 * Starts the listener; closing the scope stops it (it also stops by itself after one callback or the timeout).
 *
 * @since 0.1.0
 * @category Constructors
 */
export const make = (options: Options = {}): Effect.Effect<Receiver, TransportError, Scope.Scope> =>
  Effect.gen(function* () {
    const path = options.path ?? "/callback"
    const state = options.state ?? (yield* Callback.state)
    const outcome = yield* Deferred.make<{ readonly code: string }, CallbackError>()

    const node = http.createServer()
    const server = yield* NodeHttpServer.make(() => node, { host: "127.0.0.1", port: options.port ?? 0 }).pipe(
      Effect.mapError(
        (error) =>
          new TransportError({
            description: `cannot listen on 127.0.0.1:${options.port ?? 0}`,
            hint: "choose another port, or free this one",
            cause: error.cause
          })
      )
    )
    const port = server.address._tag === "TcpAddress" ? server.address.port : 0

    // The login's callback: the state first (`Callback.validate`), then the server's error or the code.
    const callback = Effect.gen(function* () {
      const request = yield* HttpServerRequest.HttpServerRequest
      const params = parsed(request.url, "http://127.0.0.1")?.searchParams ?? new URLSearchParams()
      if (yield* Deferred.isDone(outcome)) {
        return yield* refuse(410, "This login has already been completed. You can close this tab.")
      }
      const validated = Callback.validate(params, state)
      if (Either.isLeft(validated)) {
        // A request without our state is not the login's callback (a stale tab, a forgery): refuse it and
        // keep waiting for the real one.
        if (validated.left._tag === "StateMismatch") {
          return yield* refuse(400, "This callback does not belong to the login in progress. Start the login again.")
        }
        yield* Deferred.fail(outcome, validated.left)
        return yield* refuse(400, "The authorization was not granted. You can close this tab.")
      }
      if (Option.isNone(validated.right)) return yield* refuse(400, "The callback carries no authorization code.")
      // Only the first of two racing callbacks completes the login.
      return (yield* Deferred.succeed(outcome, { code: validated.right.value }))
        ? reply(200, Page.done())
        : yield* refuse(410, "This login has already been completed. You can close this tab.")
    })

    // A path not starting with "/" is none a browser can ask for: nothing is routed then.
    const router = isPathInput(path) ? HttpRouter.get(HttpRouter.empty, path, callback) : HttpRouter.empty

    // Only a loopback `Host` naming this port (no DNS rebinding), and only a target that is a URL.
    const app = Effect.gen(function* () {
      const request = yield* HttpServerRequest.HttpServerRequest
      const host = parsed(`http://${request.headers.host ?? ""}`)
      if (host === undefined || !Callback.isLoopbackHost(host.hostname) || host.port !== String(port)) {
        return yield* refuse(400, "This address only answers loopback requests.")
      }
      if (parsed(request.url, "http://127.0.0.1") === undefined) return yield* refuse(400, "This address is not valid.")
      return yield* router
    }).pipe(Effect.catchTag("RouteNotFound", () => refuse(404, "Not found.")))

    yield* server.serve(app)

    const close = Effect.sync(() => {
      node.close()
      node.closeAllConnections()
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
