/**
 * A Coze-compatible OAuth server on loopback, for tests, demos and offline work: authorize and
 * consent, device code, token endpoint (code, PKCE, refresh, device, JWT), `GET /v1/users/me` and the
 * `/__emulator` control API. One listener serves both the api and the www roles.
 *
 * @since 0.1.0
 */

import { createServer } from "node:http"
import { HttpServer, type HttpServerError } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Context, Effect, Layer } from "effect"
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
 * A running emulator. `url` (e.g. `http://127.0.0.1:54321`) is both the api base and the www base.
 *
 * @since 0.1.0
 * @category Context
 */
export class Emulator extends Context.Tag("@coze-auth/emulator/Emulator")<Emulator, { readonly url: string }>() {}

/**
 * The emulator as an `HttpApp` with fresh in-memory state, to serve on any `HttpServer`. Its clock is
 * the `Clock` of the context this effect runs in (a `TestClock` in tests) plus the control API's offset.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const makeHttpApp = (options?: Partial<Options>) => Router.makeHttpApp({ ...defaultOptions, ...options })

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
      const { host, port } = { ...defaultOptions, ...options }
      const app = yield* makeHttpApp(options)
      const server = yield* NodeHttpServer.make(createServer, { host, port })
      yield* server.serve(app)
      return Emulator.of({ url: HttpServer.formatAddress(server.address) })
    })
  )
