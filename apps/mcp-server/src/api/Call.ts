/**
 * What `api_get` and `api_request` do: check the path, send the request with the profile's credential through
 * core's `AuthHttpClient` (bearer attached here, one renewal and retry on 401 / 4100), and turn the answer into
 * `{ status, log_id, body }`, bounded. A profile without a credential gets its login started and shown to the
 * user through URL elicitation, the call going on once they approved; a client that cannot show it gets an
 * error that tells the model to call `login`. Loaded on the first call: the stdio cold start stays small.
 */
import * as AuthHttpClient from "@coze-auth/core/AuthHttpClient"
import { type CozeError, type NotAuthenticated, TransportError } from "@coze-auth/core/CozeError"
import * as Region from "@coze-auth/core/Region"
import type { Profile } from "@coze-auth/profiles/Profile"
import { Profiles } from "@coze-auth/profiles/Profiles"
import { FetchHttpClient, HttpClient, HttpClientRequest } from "@effect/platform"
import { Deferred, Effect, Either, Option, Predicate } from "effect"
import { Logins, type PendingLogin } from "../Logins.js"
import type { Services } from "../Runtime.js"
import { Settings } from "../Settings.js"
import { InvalidPath, LoginDeclined, LoginRequired, type ToolError } from "../ToolError.js"
import * as Body from "./Body.js"
import * as Path from "./Path.js"
import { credentialsFor } from "./Session.js"

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE"

export type QueryValue = string | number | boolean

export interface Input {
  readonly tool: string
  readonly profile?: string | undefined
  readonly method: Method
  readonly path: string
  readonly query?: Readonly<Record<string, QueryValue>> | undefined
  readonly body?: unknown
  readonly sessionName?: string | undefined
}

/** How the tool reaches the user: `None` when the client cannot show a URL (no URL elicitation). */
export interface UserChannel {
  readonly elicitUrl: Option.Option<(login: PendingLogin) => Effect.Effect<Option.Option<string>>>
}

/** The tool result; `error` is set when Coze reported a failure (the tool then answers `isError: true`). */
export interface Result {
  readonly [key: string]: unknown
  readonly status: number
  readonly log_id: string | null
  readonly body: unknown
  readonly truncated?: true
  readonly note?: string
  readonly error?: string
}

const codeOf = (body: unknown): Option.Option<{ readonly code: number; readonly msg: string }> =>
  Predicate.hasProperty(body, "code") && typeof body.code === "number"
    ? Option.some({ code: body.code, msg: Predicate.hasProperty(body, "msg") ? String(body.msg) : "" })
    : Option.none()

const logIdOf = (header: string | undefined, body: unknown): string | null => {
  if (header !== undefined && header !== "") return header
  const detail = Predicate.hasProperty(body, "detail") ? body.detail : undefined
  return Predicate.hasProperty(detail, "logid") && typeof detail.logid === "string" ? detail.logid : null
}

/** What went wrong in one line, with what to do where we know: a rejected credential may be the wrong region's. */
const failureOf = (status: number, body: unknown, region: Region.Region): Option.Option<string> => {
  const events = Array.isArray(body) ? body : []
  const failedEvent = events.find(
    (e) => Predicate.hasProperty(e, "event") && (e.event === "error" || e.event === "conversation.chat.failed")
  )
  const code = Option.filter(codeOf(body), ({ code }) => code !== 0)
  if (status < 400 && Option.isNone(code) && failedEvent === undefined) return Option.none()
  const what = Option.match(code, {
    onNone: () => (failedEvent === undefined ? "" : ` and the stream reported ${failedEvent.event}`),
    onSome: ({ code, msg }) => ` with code ${code}${msg === "" ? "" : ` (${msg})`}`
  })
  const rejected = status === 401 || Option.exists(code, ({ code }) => code === 4100 || code === 4101)
  const hint = rejected
    ? `; Coze refused the credential (it may lack the permission or have been revoked), or ${Region.mismatchHint(region)}`
    : ""
  return Option.some(`Coze answered HTTP ${status}${what}${hint}`)
}

const requestOf = (input: Input, url: string) => {
  const base = HttpClientRequest.make(input.method)(url)
  const withBody = input.body === undefined ? base : HttpClientRequest.bodyUnsafeJson(base, input.body)
  return HttpClientRequest.acceptJson(withBody)
}

const queryOf = (target: Path.Target, query: Input["query"]) => [
  ...target.query,
  ...Object.entries(query ?? {}).map(([key, value]) => [key, String(value)] as const)
]

/** One request and its bounded answer. */
const send = (input: Input, profile: Profile, url: string, target: Path.Target) =>
  Effect.gen(function* () {
    const { api } = yield* Settings
    const credentials = yield* credentialsFor(profile, input.sessionName)
    const client = AuthHttpClient.authenticate(yield* HttpClient.HttpClient, { region: profile.region, credentials })
    const request = HttpClientRequest.setUrlParams(requestOf(input, url), queryOf(target, input.query))
    const response = yield* client.execute(request).pipe(
      Effect.timeoutFail({ duration: api.timeout, onTimeout: () => Body.tooSlow(target.path, api) }),
      Effect.catchTags({
        RequestError: (error) =>
          new TransportError({
            description: `request to ${target.path} failed (${error.reason}${error.description === undefined ? "" : `: ${error.description}`})`,
            cause: error.cause
          }),
        ResponseError: (error) =>
          new TransportError({ description: `the answer of ${target.path} could not be read`, cause: error.cause })
      }),
      // Bearer requests never follow redirects (architecture §6): a 3xx comes back as it is.
      Effect.provideService(FetchHttpClient.RequestInit, { redirect: "manual" })
    )
    const read = yield* Body.read(response, api, target.path)
    const failure = failureOf(response.status, read.body, profile.region)
    return {
      status: response.status,
      log_id: logIdOf(response.headers["x-tt-logid"], read.body),
      body: read.body,
      ...(read.truncated ? { truncated: true as const } : {}),
      ...(read.note === undefined ? {} : { note: read.note }),
      ...Option.match(failure, { onNone: () => ({}), onSome: (error) => ({ error }) })
    } satisfies Result
  })

/**
 * No credential: start (or join) the profile's login, show its URL to the user, wait for their approval (the
 * login's own expiry bounds the wait), then go on. Without URL elicitation the model is told to call `login`.
 */
const loginFirst = (input: Input, profile: Profile, channel: UserChannel) => (error: NotAuthenticated) =>
  Effect.gen(function* () {
    if (Option.isNone(channel.elicitUrl)) {
      return yield* new LoginRequired({ profile: profile.name, tool: input.tool, reason: error.description })
    }
    const logins = yield* Logins
    const started = yield* logins.start({
      profile: profile.name,
      flow: undefined,
      workspaceId: Option.none(),
      force: false
    })
    if (started._tag === "Pending") {
      if (started.fresh) {
        const action = yield* channel.elicitUrl.value(started.login)
        if (Option.isNone(action)) {
          yield* logins.cancel(profile.name)
          return yield* new LoginRequired({ profile: profile.name, tool: input.tool, reason: error.description })
        }
        if (action.value !== "accept") {
          yield* logins.cancel(profile.name)
          return yield* new LoginDeclined({ profile: profile.name })
        }
      }
      yield* Deferred.await(started.login.outcome)
    }
  })

export const call = (input: Input, channel: UserChannel): Effect.Effect<Result, CozeError | ToolError, Services> =>
  Effect.gen(function* () {
    // Checked before anything else happens: a refused path sends nothing, not even a token renewal.
    const target = Path.validate(input.path)
    if (Either.isLeft(target)) return yield* new InvalidPath({ path: input.path, reason: target.left })
    const profile = yield* (yield* Profiles).get(input.profile)
    const url = Path.resolve(profile.region.apiBase, target.right)
    if (Either.isLeft(url)) return yield* new InvalidPath({ path: input.path, reason: url.left })
    const attempt = send(input, profile, url.right, target.right)
    return yield* attempt.pipe(
      Effect.catchTag("NotAuthenticated", (error) =>
        Effect.zipRight(loginFirst(input, profile, channel)(error), attempt)
      )
    )
  })
