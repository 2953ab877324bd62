/**
 * Authorization code grant, browser half: `GET …/authorize` validates the request and sends the
 * browser to the consent page; the user's decision sends it back to the app's `redirect_uri`.
 */
import { HttpRouter, HttpServerResponse } from "@effect/platform"
import { Effect, HashMap, Option, Schema } from "effect"
import { isRegisteredRedirect } from "./apps.js"
import { appDeactivated, invalidClient, invalidRequest, notFound, type OAuthError } from "./errors.js"
import { baseUrl, decode, decodeQuery, readForm } from "./http.js"
import { consentPage, errorPage } from "./pages.js"
import { findApp, getState, now, randomToken, takeFrom, updateState } from "./state.js"
import { Consent, type Decision } from "./wire.js"

/** RFC 6749 §4.1.2: codes are short-lived. */
const codeTtlMillis = 10 * 60 * 1000

const AuthorizeQuery = Schema.Struct({
  response_type: Schema.optional(Schema.String),
  client_id: Schema.String,
  redirect_uri: Schema.String,
  state: Schema.optional(Schema.String),
  code_challenge: Schema.optional(Schema.String),
  code_challenge_method: Schema.optional(Schema.Literal("plain", "S256"))
})

/** Browser endpoints answer errors as a page, never as a redirect to an unvalidated URI. */
const asErrorPage = <R>(effect: Effect.Effect<HttpServerResponse.HttpServerResponse, OAuthError, R>) =>
  Effect.catchTag(effect, "OAuthError", (error) => Effect.succeed(errorPage(error.message, error.status)))

/** `GET /api/permission/oauth2[/workspace_id/{ws}]/authorize` */
export const authorize = asErrorPage(
  Effect.gen(function* () {
    const query = yield* decodeQuery(AuthorizeQuery)
    const { workspace_id } = yield* HttpRouter.params
    const app = yield* Effect.flatten(findApp(query.client_id)).pipe(
      Effect.mapError(() => invalidClient(`unknown client_id ${query.client_id}`))
    )
    if (!isRegisteredRedirect(app, query.redirect_uri)) {
      return yield* invalidRequest(`redirect_uri ${query.redirect_uri} is not registered for this app`)
    }
    if (query.response_type !== "code") return yield* invalidRequest("response_type must be code")
    if (app.type !== "web" && app.type !== "pkce") return yield* invalidRequest(`invalid app type: ${app.type}`)
    if (app.type === "pkce" && query.code_challenge === undefined)
      return yield* invalidRequest("missing code_challenge")
    if (app.disabled) return yield* appDeactivated(app.name)
    const key = yield* randomToken("", 24)
    yield* updateState((state) => ({
      ...state,
      pending: HashMap.set(state.pending, key, {
        key,
        client_id: app.client_id,
        redirect_uri: query.redirect_uri,
        state: query.state,
        code_challenge: query.code_challenge,
        code_challenge_method: query.code_challenge_method ?? "plain",
        workspace_id
      })
    }))
    return HttpServerResponse.redirect(`${yield* baseUrl}/oauth/consent?authorize_key=${key}`)
  })
)

/** Answers a pending authorization: the URL the browser goes back to, with a code or `access_denied`. */
export const decide = (authorizeKey: string, decision: Decision) =>
  Effect.gen(function* () {
    const pending = yield* Effect.flatten(takeFrom("pending", authorizeKey)).pipe(
      Effect.mapError(() => notFound(`authorize_key ${authorizeKey} (unknown or already answered)`))
    )
    // Registration only takes absolute http(s) URLs; still, an odd stored value is a 400, never a 500.
    const target = yield* Effect.try({
      try: () => new URL(pending.redirect_uri),
      catch: () => invalidRequest(`redirect_uri ${pending.redirect_uri} is not an absolute URL`)
    })
    if (decision === "approve") {
      const code = yield* randomToken("code_")
      const expires_at = (yield* now) + codeTtlMillis
      yield* updateState((state) => ({
        ...state,
        codes: HashMap.set(state.codes, code, { ...pending, code, expires_at })
      }))
      target.searchParams.set("code", code)
    } else {
      target.searchParams.set("error", "access_denied")
      target.searchParams.set("error_description", "the user denied the request")
    }
    if (pending.state !== undefined) target.searchParams.set("state", pending.state)
    return target.toString()
  })

/** `GET /oauth/consent?authorize_key=…` */
export const consentForm = asErrorPage(
  Effect.gen(function* () {
    const { authorize_key } = yield* decodeQuery(Schema.Struct({ authorize_key: Schema.String }))
    const state = yield* getState
    const found = HashMap.get(state.pending, authorize_key).pipe(
      Option.flatMap((pending) => Option.map(HashMap.get(state.apps, pending.client_id), (app) => ({ app, pending })))
    )
    if (Option.isNone(found)) return yield* notFound("this authorization request is unknown or was already answered")
    const { app, pending } = found.value
    return consentPage({
      authorizeKey: authorize_key,
      appName: app.name,
      redirectUri: pending.redirect_uri,
      workspaceId: pending.workspace_id
    })
  })
)

/** `POST /oauth/consent` (the page's form) */
export const consentSubmit = asErrorPage(
  Effect.gen(function* () {
    const form = yield* readForm
    const { authorize_key, decision } = yield* decode(Consent)(Object.fromEntries(form))
    return HttpServerResponse.redirect(yield* decide(authorize_key, decision))
  })
)
