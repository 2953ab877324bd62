/**
 * A typed client for the emulator's control API (`/__emulator`), plus `authorize`, which plays the
 * browser through the consent step. A test and demo tool: failures are defects.
 *
 * @since 0.1.0
 */
import { FetchHttpClient, HttpClient, HttpClientRequest, type HttpClientResponse } from "@effect/platform"
import { Context, Effect, Layer, Schema } from "effect"
import { Emulator } from "./Emulator.js"
import {
  type AppType,
  ClockAnswer,
  ConsentAnswer,
  CreatedApp,
  CreatedPat,
  type Decision,
  Health,
  Ok,
  RequestRecord
} from "./internal/wire.js"

/**
 * Control API answers, as decoded.
 *
 * @since 0.1.0
 * @category Models
 */
export type { AppType, CreatedApp, CreatedPat, Decision, Health, RequestRecord }

/**
 * @since 0.1.0
 * @category Models
 */
export interface CreateAppInput {
  readonly type: AppType
  readonly name?: string
  readonly redirect_uris?: ReadonlyArray<string>
  readonly public_key_pem?: string
  readonly channel?: boolean
}

/**
 * @since 0.1.0
 * @category Models
 */
export interface Service {
  readonly url: string
  readonly health: Effect.Effect<Health>
  readonly createApp: (input: CreateAppInput) => Effect.Effect<CreatedApp>
  readonly disableApp: (clientId: string) => Effect.Effect<void>
  readonly enableApp: (clientId: string) => Effect.Effect<void>
  /** The user revokes the app's authorization: every access and refresh token it holds stops working. */
  readonly revokeApp: (clientId: string) => Effect.Effect<void>
  /**
   * A personal access token (`pat_…`) the OpenAPI accepts like a user token, for `expires_in_seconds` of the
   * emulator's clock or, without it, until `reset`.
   */
  readonly createPat: (input?: { readonly expires_in_seconds?: number }) => Effect.Effect<CreatedPat>
  /** Answers a pending authorization; `redirect` is where the browser would go next. */
  readonly consent: (authorizeKey: string, decision: Decision) => Effect.Effect<{ readonly redirect: string }>
  /** GETs `authorizeUrl` (without following redirects), answers the consent, returns the final redirect URL. */
  readonly authorize: (authorizeUrl: string, decision: Decision) => Effect.Effect<string>
  readonly approveDevice: (userCode: string) => Effect.Effect<void>
  readonly denyDevice: (userCode: string) => Effect.Effect<void>
  /** Moves the emulator's clock forward; `now` is its new time in Unix seconds. */
  readonly advanceClock: (seconds: number) => Effect.Effect<{ readonly now: number }>
  /** Every protocol request so far, in order. */
  readonly requests: Effect.Effect<ReadonlyArray<RequestRecord>>
  readonly reset: Effect.Effect<void>
}

/**
 * @since 0.1.0
 * @category Context
 */
export class EmulatorClient extends Context.Tag("@coze-auth/emulator/EmulatorClient")<EmulatorClient, Service>() {}

const expectSuccess = (response: HttpClientResponse.HttpClientResponse) =>
  response.status >= 200 && response.status < 300
    ? Effect.succeed(response)
    : Effect.flatMap(response.text, (body) =>
        Effect.dieMessage(`${response.request.method} ${response.request.url} answered ${response.status}: ${body}`)
      )

/**
 * @since 0.1.0
 * @category Constructors
 */
export const make = (url: string) =>
  Effect.gen(function* () {
    const client = yield* HttpClient.HttpClient
    const call = <A, I>(request: HttpClientRequest.HttpClientRequest, schema: Schema.Schema<A, I>) =>
      client.execute(request).pipe(
        Effect.flatMap(expectSuccess),
        Effect.flatMap((response) => response.json),
        Effect.flatMap(Schema.decodeUnknown(schema)),
        Effect.orDie
      )
    const get = <A, I>(path: string, schema: Schema.Schema<A, I>) =>
      call(HttpClientRequest.get(`${url}/__emulator${path}`), schema)
    const post = <A, I>(path: string, schema: Schema.Schema<A, I>, body: object = {}) =>
      call(HttpClientRequest.post(`${url}/__emulator${path}`).pipe(HttpClientRequest.bodyUnsafeJson(body)), schema)

    const consent = (authorizeKey: string, decision: Decision) =>
      post("/consent", ConsentAnswer, { authorize_key: authorizeKey, decision })

    const authorize = (authorizeUrl: string, decision: Decision) =>
      Effect.gen(function* () {
        const response = yield* client.get(authorizeUrl).pipe(Effect.orDie)
        const location = response.headers.location
        const authorizeKey = location === undefined ? null : new URL(location, url).searchParams.get("authorize_key")
        if (response.status !== 302 || authorizeKey === null) {
          return yield* Effect.dieMessage(
            `authorize answered ${response.status} instead of a consent redirect: ${yield* Effect.orDie(response.text)}`
          )
        }
        return (yield* consent(authorizeKey, decision)).redirect
      }).pipe(Effect.provideService(FetchHttpClient.RequestInit, { redirect: "manual" }))

    return EmulatorClient.of({
      url,
      health: get("/health", Health),
      createApp: (input) => post("/apps", CreatedApp, input),
      disableApp: (clientId) => Effect.asVoid(post(`/apps/${encodeURIComponent(clientId)}/disable`, Ok)),
      enableApp: (clientId) => Effect.asVoid(post(`/apps/${encodeURIComponent(clientId)}/enable`, Ok)),
      revokeApp: (clientId) => Effect.asVoid(post(`/apps/${encodeURIComponent(clientId)}/revoke`, Ok)),
      createPat: (input = {}) => post("/pats", CreatedPat, input),
      consent,
      authorize,
      approveDevice: (userCode) => Effect.asVoid(post("/device/approve", Ok, { user_code: userCode })),
      denyDevice: (userCode) => Effect.asVoid(post("/device/deny", Ok, { user_code: userCode })),
      advanceClock: (seconds) => post("/clock", ClockAnswer, { advance_seconds: seconds }),
      requests: get("/requests", Schema.Array(RequestRecord)),
      reset: Effect.asVoid(post("/reset", Ok))
    })
  })

/**
 * A client for an emulator at `url`.
 *
 * @since 0.1.0
 * @category Layers
 */
export const layerUrl = (url: string): Layer.Layer<EmulatorClient, never, HttpClient.HttpClient> =>
  Layer.effect(EmulatorClient, make(url))

/**
 * A client for the `Emulator` in context.
 *
 * @since 0.1.0
 * @category Layers
 */
export const layer: Layer.Layer<EmulatorClient, never, Emulator | HttpClient.HttpClient> = Layer.effect(
  EmulatorClient,
  Effect.flatMap(Emulator, ({ url }) => make(url))
)
