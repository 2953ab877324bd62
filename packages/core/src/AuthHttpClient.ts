/**
 * An `HttpClient` for the Coze OpenAPI: paths (`/v1/...`) go to the region's api base, every request carries
 * `Authorization: Bearer <token>` from `Credentials`, and a rejected token (HTTP 401, or Coze code 4100 in
 * a JSON body) is refreshed once and the request sent once more — never more, so a revoked credential
 * cannot loop. The bearer goes to the api base's origin only (any other URL fails with `RequestError`
 * `InvalidUrl`, unsent), and no error or response handed back carries it. A redirect is never followed: it
 * fails with `Redirected`. Each request has the `request` deadline (`Deadline`, 30 s by default; per call:
 * `client.get(path).pipe(Deadline.withDeadlines({ request: "5 seconds" }))`) from sending to the last byte
 * of its body, read with `text`, `json` or `arrayBuffer` (a `stream` is not cut).
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
import { Clock, Context, Duration, Effect, Either, Equal, Layer, Predicate } from "effect"
import type { CozeError } from "./CozeError.js"
import { Credentials } from "./Credentials.js"
import * as Deadline from "./Deadline.js"
import { invalidUrl, redirected, type Sent, scrubError, scrubResponse, withBearer } from "./internal/scrubbed.js"
import { withSpan } from "./internal/tracing.js"
import * as Transport from "./internal/transport.js"
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

const pathOf = (url: string): string => url.replace(/[?#].*$/s, "")

/**
 * Where a request may go with the bearer: a path (starting with `/`) under `apiBase`, or an absolute URL
 * on the api base's origin. Concatenating anything else could change the host (`.evil.example/x`,
 * `@evil.example/x`), so it is refused.
 *
 * @since 0.1.0
 * @category Utils
 */
export const resolveUrl = (apiBase: string, url: string): Either.Either<string, string> => {
  if (!URL.canParse(apiBase)) return Either.left(`the api base ${apiBase} is not a URL`)
  const base = new URL(apiBase)
  const absolute = URL.canParse(url)
  if (!absolute && !url.startsWith("/")) return Either.left(`a relative URL must start with "/": ${url}`)
  const target = absolute ? url : `${apiBase}${url}`
  if (!URL.canParse(target)) return Either.left(`${target} is not a URL`)
  const resolved = new URL(target)
  return resolved.origin === base.origin
    ? Either.right(resolved.href)
    : Either.left(`refusing to send the credential to ${resolved.origin}, not the api base ${base.origin}`)
}

/**
 * Wraps `client`: resolves the URL against `region.apiBase` (`resolveUrl`), adds the bearer, and on a
 * rejected token renews it once (`refreshRejected`: concurrent rejections share one renewal) and retries
 * once. When the renewal hands back the same token (a static PAT), the rejection is returned as it is
 * rather than sent again. Errors and responses come back without the bearer.
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
      const url = resolveUrl(options.region.apiBase, request.url)
      if (Either.isLeft(url)) return yield* invalidUrl(request, url.left)
      const resolved = HttpClientRequest.setUrl(request, url.right)
      const execute = (token: Token) =>
        Effect.gen(function* () {
          const { request: deadline } = yield* Deadline.Deadlines
          const sent: Sent = {
            bearer: token.accessToken,
            deadline,
            deadlineAt: (yield* Clock.currentTimeMillis) + Duration.toMillis(deadline)
          }
          const response = yield* client.execute(withBearer(resolved, token)).pipe(
            Transport.noRedirects,
            Effect.mapError((error) => scrubError(error, sent)),
            Deadline.within(deadline, (took) => `no answer from ${resolved.url} within ${took}`)
          )
          if (Transport.isRedirect(response.status)) return yield* redirected(response, token.accessToken)
          return scrubResponse(response, sent)
        })
      const token = yield* credentials.token()
      const response = yield* execute(token)
      if (!(yield* isTokenRejected(response))) return response
      const renewed = yield* credentials.refreshRejected(token)
      if (Equal.equals(renewed.accessToken, token.accessToken)) return response
      return yield* execute(renewed)
    }).pipe(
      // The path only: a query may carry a secret.
      withSpan("AuthHttpClient.request", {
        attributes: {
          profile: credentials.profile,
          "http.request.method": request.method,
          "url.path": pathOf(request.url)
        }
      })
    )
  return HttpClient.makeWith(
    (request: Effect.Effect<HttpClientRequest.HttpClientRequest>) => Effect.flatMap(request, send),
    Effect.succeed
  )
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
