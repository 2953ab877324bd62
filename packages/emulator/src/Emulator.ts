/**
 * A Coze-compatible OAuth server on loopback, for tests, demos and offline work: authorize and
 * consent, device code, token endpoint (code, PKCE, refresh, device, JWT), a few OpenAPI endpoints
 * (`/v1/users/me`, `/v1/workspaces`, `/v1/bots`, `/v1/conversation/create`, `/v3/chat` with SSE) and the
 * `/__emulator` control API. One listener serves both the api and the www roles.
 *
 * @since 0.1.0
 */

import { createServer } from "node:http"
import { HttpServer, type HttpServerError } from "@effect/platform"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { type Clock, Context, Effect, Layer } from "effect"
import * as Router from "./internal/router.js"

/**
 * Where to listen and how long things live. Durations are in seconds.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Options {
  readonly host: string
  /** 0 picks any free port. */
  readonly port: number
  readonly accessTokenTtl: number
  readonly refreshTokenTtl: number
  readonly deviceCodeTtl: number
  /** The device-code polling interval handed to clients. */
  readonly interval: number
}

/**
 * @since 0.1.0
 * @category Constructors
 */
export const defaultOptions: Options = {
  host: "127.0.0.1",
  port: 0,
  accessTokenTtl: 900,
  refreshTokenTtl: 2592000,
  deviceCodeTtl: 300,
  interval: 5
}

/**
 * A running emulator. `url` (e.g. `http://127.0.0.1:54321`) is both the api base and the www base. `clock` is
 * the emulator's time (the clock it was started with, plus whatever `POST /__emulator/clock` added): a program
 * embedding the emulator can run on it (`Layer.setClock`), so moving the emulator's clock moves its own too.
 *
 * @since 0.1.0
 * @category Context
 */
export class Emulator extends Context.Tag("@coze-auth/emulator/Emulator")<
  Emulator,
  { readonly url: string; readonly clock: Clock.Clock }
>() {}

/**
 * The emulator as an `HttpApp` with fresh in-memory state, to serve on any `HttpServer`. Its clock is
 * the `Clock` of the context this effect runs in (a `TestClock` in tests) plus the control API's offset.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const makeHttpApp = (options?: Partial<Options>) =>
  Effect.map(Router.make({ ...defaultOptions, ...options }), ({ app }) => app)

/**
 * Starts the emulator on `host:port` (loopback, any free port by default); closing the scope stops it.
 *
 * @since 0.1.0
 * @category Layers
 */
export const layer = (options?: Partial<Options>): Layer.Layer<Emulator, HttpServerError.ServeError> =>
  Layer.scoped(
    Emulator,
    Effect.gen(function* () {
      const settings = { ...defaultOptions, ...options }
      const { app, clock } = yield* Router.make(settings)
      const server = yield* NodeHttpServer.make(createServer, { host: settings.host, port: settings.port })
      yield* server.serve(app)
      return Emulator.of({ url: HttpServer.formatAddress(server.address), clock })
    })
  )
