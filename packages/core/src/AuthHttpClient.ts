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
import {
  Headers,
  HttpClient,
  HttpClientError,
  HttpClientRequest,
  HttpClientResponse,
  HttpIncomingMessage,
  type UrlParams
} from "@effect/platform"
import {
  Clock,
  Context,
  Deferred,
  Duration,
  Effect,
  Either,
  Equal,
  Exit,
  FiberId,
  Inspectable,
  Layer,
  Option,
  Predicate,
  type Redacted,
  Stream
} from "effect"
import { type CozeError, Redirected } from "./CozeError.js"
import { Credentials } from "./Credentials.js"
import * as Deadline from "./Deadline.js"
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

const withBearer = (request: HttpClientRequest.HttpClientRequest, token: Token) =>
  HttpClientRequest.bearerToken(request, token.accessToken)

/** The request as errors and responses show it: the platform prints a request's headers, bearer included. */
const withoutBearer = (request: HttpClientRequest.HttpClientRequest) =>
  // Rebuilt from scratch: `modify` merges headers, so it cannot take one away.
  HttpClientRequest.make(request.method)(request.url, {
    urlParams: request.urlParams,
    hash: Option.getOrUndefined(request.hash),
    headers: Headers.remove(request.headers, "authorization"),
    body: request.body
  })

/** What a response handed back keeps of its request: the bearer to scrub, the instant its deadline ends. */
interface Sent {
  readonly bearer: Redacted.Redacted<string> | undefined
  readonly deadlineAt: number
  readonly deadline: Duration.Duration
}

/**
 * A response that shows and reports `request` (without the bearer) in place of the one sent: the platform's
 * responses (and their wrappers) print their request, and their body errors carry it. Its body is read
 * within what is left of the request's deadline (`stream` excepted: a stream lasts as long as it lasts), and
 * its text loses the bearer should the server echo it.
 */
class ScrubbedResponse extends Inspectable.Class implements HttpClientResponse.HttpClientResponse {
  readonly [HttpClientResponse.TypeId]: HttpClientResponse.TypeId = HttpClientResponse.TypeId
  readonly [HttpIncomingMessage.TypeId]: HttpIncomingMessage.TypeId = HttpIncomingMessage.TypeId
  constructor(
    private readonly original: HttpClientResponse.HttpClientResponse,
    readonly request: HttpClientRequest.HttpClientRequest,
    private readonly sent: Sent
  ) {
    super()
  }
  get status() {
    return this.original.status
  }
  get headers() {
    return this.original.headers
  }
  get cookies() {
    return this.original.cookies
  }
  get remoteAddress() {
    return this.original.remoteAddress
  }
  private read<A>(
    body: Effect.Effect<A, HttpClientError.ResponseError>
  ): Effect.Effect<A, HttpClientError.ResponseError> {
    return Effect.flatMap(Clock.currentTimeMillis, (now) =>
      body.pipe(
        Effect.mapError((error) => scrubResponseError(error, this.sent)),
        Effect.timeoutFail({
          duration: Math.max(0, this.sent.deadlineAt - now),
          onTimeout: () =>
            new HttpClientError.ResponseError({
              request: this.request,
              response: this,
              reason: "Decode",
              description: `no complete body from ${this.request.url} within ${Duration.format(this.sent.deadline)}`
            })
        })
      )
    )
  }
  private textOnce: Deferred.Deferred<string, HttpClientError.ResponseError> | undefined
  /**
   * Read once, its outcome kept: the platform keeps the first outcome of its own read, so a read cut by the
   * deadline (`isTokenRejected` peeks at JSON) would otherwise come back as an interruption next time.
   */
  get text(): Effect.Effect<string, HttpClientError.ResponseError> {
    return Effect.suspend(() => {
      if (this.textOnce !== undefined) return Deferred.await(this.textOnce)
      const once = Deferred.unsafeMake<string, HttpClientError.ResponseError>(FiberId.none)
      this.textOnce = once
      const interrupted = new HttpClientError.ResponseError({
        request: this.request,
        response: this,
        reason: "Decode",
        description: "reading the body was interrupted"
      })
      return this.read(
        Effect.map(this.original.text, (text) =>
          this.sent.bearer === undefined ? text : Transport.scrub(text, [this.sent.bearer])
        )
      ).pipe(
        Effect.onExit((exit) =>
          Exit.isInterrupted(exit) ? Deferred.fail(once, interrupted) : Deferred.done(once, exit)
        )
      )
    })
  }
  get json(): Effect.Effect<unknown, HttpClientError.ResponseError> {
    return Effect.flatMap(this.text, (text) =>
      Effect.try({
        try: (): unknown => (text === "" ? null : JSON.parse(text)),
        catch: (cause) =>
          new HttpClientError.ResponseError({ request: this.request, response: this, reason: "Decode", cause })
      })
    )
  }
  get formData(): Effect.Effect<FormData, HttpClientError.ResponseError> {
    return this.read(this.original.formData)
  }
  get urlParamsBody(): Effect.Effect<UrlParams.UrlParams, HttpClientError.ResponseError> {
    return this.read(this.original.urlParamsBody)
  }
  get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpClientError.ResponseError> {
    return this.read(this.original.arrayBuffer)
  }
  get stream() {
    return Stream.mapError(this.original.stream, (error) => scrubResponseError(error, this.sent))
  }
  toJSON(): unknown {
    return { ...(this.original.toJSON() as object), request: this.request.toJSON() }
  }
}

const scrubResponse = (
  response: HttpClientResponse.HttpClientResponse,
  sent: Sent
): HttpClientResponse.HttpClientResponse =>
  response instanceof ScrubbedResponse
    ? response
    : new ScrubbedResponse(response, withoutBearer(response.request), sent)

/** The platform says "Transport error"; the cause says what failed, when it tells. */
const causeOf = (error: HttpClientError.HttpClientError): string | undefined => {
  if (error.cause === undefined || !(error.reason === "Transport" || error.reason === "Decode")) return undefined
  const classified = Transport.classify(error.request.url, error.cause)
  return classified.reason === "Other" ? undefined : classified.description
}

const details = (error: HttpClientError.HttpClientError) => {
  const description = error.description ?? causeOf(error)
  return {
    request: withoutBearer(error.request),
    cause: error.cause,
    ...(description === undefined ? {} : { description })
  }
}

const scrubResponseError = (error: HttpClientError.ResponseError, sent: Sent): HttpClientError.ResponseError =>
  new HttpClientError.ResponseError({
    ...details(error),
    response: scrubResponse(error.response, sent),
    reason: error.reason
  })

const scrubError = (error: HttpClientError.HttpClientError, sent: Sent): HttpClientError.HttpClientError =>
  error._tag === "RequestError"
    ? new HttpClientError.RequestError({ ...details(error), reason: error.reason })
    : scrubResponseError(error, sent)

const invalidUrl = (request: HttpClientRequest.HttpClientRequest, description: string) =>
  new HttpClientError.RequestError({ request: withoutBearer(request), reason: "InvalidUrl", description })

const redirected = (response: HttpClientResponse.HttpClientResponse, bearer: Redacted.Redacted<string>) => {
  const location = response.headers.location
  const target = location === undefined ? "an unknown location" : Transport.scrub(location, [bearer])
  return new Redirected({
    description: `${withoutBearer(response.request).url} answered HTTP ${response.status} redirecting to ${target}; a request carrying the bearer never follows a redirect`,
    status: response.status,
    logId: response.headers["x-tt-logid"],
    ...(location === undefined ? {} : { location: target }),
    hint: "call the URL the API documents for this operation (check COZE_API_BASE)"
  })
}

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
    })
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
