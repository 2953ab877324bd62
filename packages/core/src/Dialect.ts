/**
 * How an authorization server encodes requests and answers. The flows speak only in `Grant`s and `Token`s;
 * the `coze` dialect is the one place that knows Coze's encoding: JSON bodies, the client secret or the
 * signed JWT as `Authorization: Bearer`, no `Authorization` header at all for public clients, `expires_in`
 * as an absolute Unix time, both error naming schemes and the `X-Tt-Logid` header. A standards dialect
 * (RFC 6749 form bodies, relative `expires_in`) can be added beside it without touching the flows.
 *
 * The implementations live under `internal/`: the HTTP exchange (`internal/exchange.ts`, where every
 * platform `HttpClientError` is mapped; none escapes the package), Coze's error mapping
 * (`internal/cozeErrors.ts`) and Coze's encoding (`internal/coze.ts`). This module re-binds them.
 *
 * @since 0.1.0
 */
import type { HttpClient, HttpClientRequest } from "@effect/platform"
import { Context, Data, type DateTime, type Duration, type Effect, Layer, type Option, type Redacted } from "effect"
import type * as CozeError from "./CozeError.js"
import * as internalCoze from "./internal/coze.js"
import * as internalErrors from "./internal/cozeErrors.js"
import * as internalExchange from "./internal/exchange.js"
import type * as Region from "./Region.js"
import type { Scope } from "./Scope.js"
import type { Flow, Token } from "./Token.js"
import type * as Wire from "./Wire.js"

/**
 * What a flow asks the token endpoint for.
 *
 * @since 0.1.0
 * @category Models
 */
export type Grant = Data.TaggedEnum<{
  /** Web and PKCE: the code from the redirect, with the secret (web) or the verifier (PKCE). */
  AuthorizationCode: {
    readonly clientId: string
    readonly code: string
    readonly redirectUri: string
    readonly clientSecret?: Redacted.Redacted<string> | undefined
    readonly codeVerifier?: Redacted.Redacted<string> | undefined
  }
  /** Any user flow: a rotating refresh token, with the secret for web apps. */
  RefreshToken: {
    readonly clientId: string
    readonly refreshToken: Redacted.Redacted<string>
    readonly clientSecret?: Redacted.Redacted<string> | undefined
  }
  /** One device-flow poll. */
  DeviceCode: { readonly clientId: string; readonly deviceCode: Redacted.Redacted<string> }
  /** Service apps: a signed JWT, optionally for another account or an enterprise. */
  JwtBearer: {
    readonly jwt: Redacted.Redacted<string>
    readonly durationSeconds: number
    readonly scope?: Scope | undefined
    readonly accountId?: string | undefined
    readonly enterpriseId?: string | undefined
  }
}>

/**
 * @since 0.1.0
 * @category Constructors
 */
export const Grant = Data.taggedEnum<Grant>()

/**
 * The query of an authorization URL.
 *
 * @since 0.1.0
 * @category Models
 */
export interface AuthorizationRequest {
  readonly clientId: string
  readonly redirectUri: string
  readonly state: string
  readonly workspaceId?: string | undefined
  readonly codeChallenge?: { readonly value: string; readonly method: "S256" | "plain" } | undefined
}

/**
 * A device-code answer, in the units of the domain.
 *
 * @since 0.1.0
 * @category Models
 */
export interface DeviceAuthorization {
  readonly deviceCode: Redacted.Redacted<string>
  readonly userCode: string
  readonly verificationUri: string
  readonly expiresAt: DateTime.Utc
  readonly interval: Duration.Duration
  readonly logId: Option.Option<string>
}

/**
 * Where requests go: the flow's HTTP client, built once (`makeEndpoint`: the region's api base prepended to
 * every path, then the user's `transformClient`), and the region.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Endpoint {
  readonly client: HttpClient.HttpClient
  readonly region: Region.Region
}

/**
 * A function that changes a flow's HTTP client (headers, a proxy, logging); given as the flows'
 * `transformClient` option, applied after the api base is prepended.
 *
 * @since 0.1.0
 * @category Models
 */
export type TransformClient = (client: HttpClient.HttpClient) => HttpClient.HttpClient

/**
 * A dialect bound to one endpoint: what a flow calls.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Exchange {
  readonly token: (grant: Grant, flow: Flow) => Effect.Effect<Token, CozeError.CozeError>
  readonly deviceCode: (request: {
    readonly clientId: string
    readonly workspaceId?: string | undefined
  }) => Effect.Effect<DeviceAuthorization, CozeError.CozeError>
}

/**
 * @since 0.1.0
 * @category Models
 */
export interface Service {
  readonly name: string
  readonly authorizationUrl: (region: Region.Region, request: AuthorizationRequest) => string
  /** Binds the dialect to a flow's endpoint, once per flow. */
  readonly bind: (endpoint: Endpoint) => Exchange
}

/**
 * Coze's encoding.
 *
 * @since 0.1.0
 * @category Dialects
 */
export const coze: Service = internalCoze.coze

/**
 * The dialect flows speak; Coze's unless another is provided.
 *
 * @since 0.1.0
 * @category Context
 */
export class Dialect extends Context.Reference<Dialect>()("@coze-auth/core/Dialect", {
  defaultValue: (): Service => coze
}) {}

/**
 * A flow's endpoint: `client` with `region`'s api base prepended to every request path, then `transformClient`.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const makeEndpoint: (
  client: HttpClient.HttpClient,
  region: Region.Region,
  transformClient?: TransformClient | undefined
) => Endpoint = internalExchange.makeEndpoint

/**
 * An HTTP answer as the decoders see it: the status, the log id and the body as JSON (`undefined` when it
 * is not JSON), and the secrets its request carried (scrubbed from any text of the server that reaches an
 * error).
 *
 * @since 0.1.0
 * @category Models
 */
export type Answer = internalExchange.Answer

/**
 * Sends a request and reads the whole answer within the `request` deadline (`Deadline`), headers and body;
 * never follows a redirect (it fails with `Redirected`). Transport failures and timeouts become
 * `TransportError`, told by their cause. `secrets` are what the request carries: scrubbed from the
 * server's text when it makes an error.
 *
 * @since 0.1.0
 * @category Utils
 */
export const send: (
  client: HttpClient.HttpClient,
  request: HttpClientRequest.HttpClientRequest,
  secrets?: ReadonlyArray<Redacted.Redacted<string>>
) => Effect.Effect<Answer, CozeError.CozeError> = internalExchange.send

/**
 * The typed error an answer stands for: either OAuth naming scheme, then Coze's `{ code, msg }` envelope,
 * then the status alone. Total: any status and any JSON give a `CozeError`.
 *
 * @since 0.1.0
 * @category Decoding
 */
export const decodeError: (answer: Answer, region: Region.Region) => CozeError.CozeError = internalErrors.decodeError

/**
 * Turns a successful token document into a `Token`: `expires_in` is absolute; an empty `refresh_token`
 * is no refresh token.
 *
 * @since 0.1.0
 * @category Decoding
 */
export const toToken: (
  response: Wire.TokenResponse,
  flow: Flow,
  obtainedAt: DateTime.Utc,
  logId: string | undefined
) => Token = internalCoze.toToken

/**
 * Whether an absolute `expires_in` is already past: then it was relative (RFC 6749's 900) or this machine's
 * clock is far ahead, and trusting it would renew on every call.
 *
 * @since 0.1.0
 * @category Decoding
 */
export const isPast: (expiresIn: number, now: DateTime.Utc) => boolean = internalCoze.isPast

/**
 * Provides the Coze dialect explicitly (it is the default anyway).
 *
 * @since 0.1.0
 * @category Layers
 */
export const layer: Layer.Layer<Dialect> = Layer.succeed(Dialect, coze)

/**
 * The dialect in the context (Coze's by default). The same as yielding `Dialect`.
 *
 * @since 0.1.0
 * @category Context
 */
export const current: Effect.Effect<Service> = Dialect
