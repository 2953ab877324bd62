/**
 * What the authenticated client hands back instead of the platform's own: requests, responses and errors
 * without the bearer (the platform prints a request's headers), bodies read within what is left of the
 * request's deadline, and a body that echoes the bearer scrubbed.
 */
import {
  Headers,
  HttpClientError,
  HttpClientRequest,
  HttpClientResponse,
  HttpIncomingMessage,
  type UrlParams
} from "@effect/platform"
import {
  Clock,
  Deferred,
  Duration,
  Effect,
  Exit,
  FiberId,
  Inspectable,
  Option,
  Predicate,
  type Redacted,
  Schema,
  Stream
} from "effect"
import { Redirected } from "../CozeError.js"
import type { Token } from "../Token.js"
import * as Transport from "./transport.js"

export const withBearer = (request: HttpClientRequest.HttpClientRequest, token: Token) =>
  HttpClientRequest.bearerToken(request, token.accessToken)

/** The request as errors and responses show it: the platform prints a request's headers, bearer included. */
export const withoutBearer = (request: HttpClientRequest.HttpClientRequest) =>
  // Rebuilt from scratch: `modify` merges headers, so it cannot take one away.
  HttpClientRequest.make(request.method)(request.url, {
    urlParams: request.urlParams,
    hash: Option.getOrUndefined(request.hash),
    headers: Headers.remove(request.headers, "authorization"),
    body: request.body
  })

/** What a response handed back keeps of its request: the bearer to scrub, the instant its deadline ends. */
export interface Sent {
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
const decodeJson = Schema.decodeUnknown(Schema.parseJson())

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
      text === ""
        ? Effect.succeed(null)
        : Effect.mapError(
            decodeJson(text),
            (cause) =>
              new HttpClientError.ResponseError({ request: this.request, response: this, reason: "Decode", cause })
          )
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
    const original = this.original.toJSON()
    return { ...(Predicate.isObject(original) ? original : {}), request: this.request.toJSON() }
  }
}

export const scrubResponse = (
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

export const scrubError = (error: HttpClientError.HttpClientError, sent: Sent): HttpClientError.HttpClientError =>
  error._tag === "RequestError"
    ? new HttpClientError.RequestError({ ...details(error), reason: error.reason })
    : scrubResponseError(error, sent)

export const invalidUrl = (request: HttpClientRequest.HttpClientRequest, description: string) =>
  new HttpClientError.RequestError({ request: withoutBearer(request), reason: "InvalidUrl", description })

export const redirected = (response: HttpClientResponse.HttpClientResponse, bearer: Redacted.Redacted<string>) => {
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
