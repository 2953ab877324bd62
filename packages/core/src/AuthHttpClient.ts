/**
 * An `HttpClient` for the Coze OpenAPI: relative URLs go to the region's api base, every request carries
 * `Authorization: Bearer <token>` from `Credentials`, and a rejected token (HTTP 401, or Coze code 4100 in
 * a JSON body) is refreshed once and the request sent once more — never more, so a revoked credential
 * cannot loop.
 *
 * ```ts
 * const me = Effect.gen(function* () {
 *   const client = yield* AuthHttpClient.CozeHttpClient
 *   return yield* client.get("/v1/users/me").pipe(Effect.flatMap((res) => res.json))
 * })
 * ```
 *
 * @since 0.1.0
 */
import { HttpClient, type HttpClientError, HttpClientRequest, type HttpClientResponse } from "@effect/platform"
import { Context, Effect, Equal, Layer, Predicate } from "effect"
import type { CozeError } from "./CozeError.js"
import { Credentials } from "./Credentials.js"
import type { Region } from "./Region.js"
import type { Token } from "./Token.js"

/**
 * @since 0.1.0
 * @category Models
 */
export type Service = HttpClient.HttpClient.With<HttpClientError.HttpClientError | CozeError>

/**
 * The authenticated client, kept apart from the plain `HttpClient` it is built on (token requests must not
 * carry a bearer, nor trigger a refresh).
 *
 * @since 0.1.0
 * @category Context
 */
export class CozeHttpClient extends Context.Tag("@coze-auth/core/AuthHttpClient/CozeHttpClient")<
  CozeHttpClient,
  Service
>() {}

/** Coze's "authentication is invalid" business code, sent with HTTP 401 or, on some endpoints, 200. */
const invalidTokenCode = 4100

/**
 * Whether the server rejected the access token. JSON bodies are only peeked at: the platform caches the
 * text, so the caller can still read it.
 *
 * @since 0.1.0
 * @category Utils
 */
export const isTokenRejected = (response: HttpClientResponse.HttpClientResponse): Effect.Effect<boolean> => {
  if (response.status === 401) return Effect.succeed(true)
  if (!(response.headers["content-type"] ?? "").includes("json")) return Effect.succeed(false)
  return response.json.pipe(
    Effect.map((body) => Predicate.hasProperty(body, "code") && body.code === invalidTokenCode),
    Effect.orElseSucceed(() => false)
  )
}

const withBearer = (request: HttpClientRequest.HttpClientRequest, token: Token) =>
  HttpClientRequest.bearerToken(request, token.accessToken)

/**
 * Wraps `client`: prefixes `region.apiBase`, adds the bearer, and on a rejected token forces one refresh
 * and retries once. When the refresh hands back the same token (a static PAT), the rejection is returned
 * as it is rather than sent again.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const authenticate = (
  client: HttpClient.HttpClient,
  options: { readonly region: Region; readonly credentials: Credentials["Type"] }
): Service => {
  const { credentials } = options
  const send = (
    request: HttpClientRequest.HttpClientRequest
  ): Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError | CozeError> =>
    Effect.gen(function* () {
      const token = yield* credentials.token()
      const response = yield* client.execute(withBearer(request, token))
      if (!(yield* isTokenRejected(response))) return response
      const renewed = yield* credentials.refresh
      if (Equal.equals(renewed.accessToken, token.accessToken)) return response
      return yield* client.execute(withBearer(request, renewed))
    })
  return HttpClient.makeWith(
    (request: Effect.Effect<HttpClientRequest.HttpClientRequest>) => Effect.flatMap(request, send),
    Effect.succeed
  ).pipe(HttpClient.mapRequest(HttpClientRequest.prependUrl(options.region.apiBase)))
}

/**
 * @since 0.1.0
 * @category Constructors
 */
export const make = (options: {
  readonly region: Region
}): Effect.Effect<Service, never, Credentials | HttpClient.HttpClient> =>
  Effect.gen(function* () {
    const credentials = yield* Credentials
    const client = yield* HttpClient.HttpClient
    return authenticate(client, { region: options.region, credentials })
  })

/**
 * @since 0.1.0
 * @category Layers
 */
export const layer = (options: {
  readonly region: Region
}): Layer.Layer<CozeHttpClient, never, Credentials | HttpClient.HttpClient> =>
  Layer.effect(CozeHttpClient, make(options))
