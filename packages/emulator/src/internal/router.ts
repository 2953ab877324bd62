/**
 * The whole emulator as one `HttpApp`: protocol routes, pages and the control API, wrapped in the
 * middleware every response goes through (log id, request log, error bodies, 404).
 */

import { randomBytes } from "node:crypto"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Chunk, DateTime, Effect, Option, Ref } from "effect"
import { authorize, consentForm, consentSubmit } from "./authorize.js"
import { controlRoutes } from "./control.js"
import { deviceCode, deviceForm, deviceSubmit } from "./device.js"
import { internalErrorResponse, notFound, oauthErrorResponse, unauthenticatedResponse } from "./errors.js"
import { RequestContext } from "./http.js"
import { openApiRoutes } from "./openApi.js"
import { makeStore, now, type Settings, Store, updateState } from "./state.js"
import { jwtOnlyToken, token } from "./tokenEndpoint.js"
import { usersMe } from "./tokens.js"

const oauth2 = "/api/permission/oauth2"

const routes = HttpRouter.empty.pipe(
  HttpRouter.get(`${oauth2}/authorize`, authorize),
  HttpRouter.get(`${oauth2}/workspace_id/:workspace_id/authorize`, authorize),
  HttpRouter.post(`${oauth2}/token`, token),
  HttpRouter.post(`${oauth2}/account/:account_id/token`, jwtOnlyToken),
  HttpRouter.post(`${oauth2}/enterprise_id/:enterprise_id/token`, jwtOnlyToken),
  HttpRouter.post(`${oauth2}/device/code`, deviceCode),
  HttpRouter.post(`${oauth2}/workspace_id/:workspace_id/device/code`, deviceCode),
  HttpRouter.get("/oauth/consent", consentForm),
  HttpRouter.post("/oauth/consent", consentSubmit),
  HttpRouter.get("/oauth/device", deviceForm),
  HttpRouter.post("/oauth/device", deviceSubmit),
  HttpRouter.get("/v1/users/me", usersMe),
  HttpRouter.concat(openApiRoutes),
  HttpRouter.mount("/__emulator", controlRoutes)
)

/** `YYYYMMDDhhmmss`, or zeros for a time JavaScript cannot represent (a clock moved far enough). */
const stampOf = (millis: number) =>
  Option.match(DateTime.make(millis), {
    onNone: () => "0".repeat(14),
    onSome: (time) => DateTime.formatIso(time).replace(/\D/g, "").slice(0, 14)
  })

/** Coze log ids: `YYYYMMDDhhmmss` followed by hex, e.g. `2024102916355736DC98FBC4D32FD7E59C`. */
const newLogId = Effect.map(now, (millis) => `${stampOf(millis)}${randomBytes(10).toString("hex").toUpperCase()}`)

const isControlPath = (path: string) => path === "/__emulator" || path.startsWith("/__emulator/")

const unexpected = (cause: unknown) =>
  Effect.as(Effect.logError("emulator: unexpected failure", cause), internalErrorResponse)

/** Runs the routes and logs the request; errors become their wire bodies. */
const respond = (request: HttpServerRequest.HttpServerRequest, logId: string) =>
  Effect.gen(function* () {
    const grantType = yield* Ref.make(Option.none<string>())
    const response = yield* routes.pipe(
      Effect.catchTags({
        RouteNotFound: () => Effect.succeed(oauthErrorResponse(notFound(`${request.method} ${request.url}`))),
        OAuthError: (error) => Effect.succeed(oauthErrorResponse(error)),
        Unauthenticated: () => Effect.succeed(unauthenticatedResponse(logId))
      }),
      Effect.catchAllCause(unexpected),
      Effect.provideService(RequestContext, { logId, grantType })
    )
    const path = new URL(request.url, "http://emulator").pathname
    if (!isControlPath(path)) {
      const record = {
        method: request.method,
        path,
        ...Option.match(yield* Ref.get(grantType), { onNone: () => ({}), onSome: (grant_type) => ({ grant_type }) }),
        status: response.status,
        at: Math.floor((yield* now) / 1000)
      }
      yield* updateState((state) => ({ ...state, requests: Chunk.append(state.requests, record) }))
    }
    return response
  })

/** Every request, through the routes and the middleware, against one emulator's state. */
const httpApp = (store: Store["Type"]) =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const logId = request.headers["x-tt-logid"] ?? (yield* newLogId)
    // The last net: whatever breaks in the middleware itself, the answer keeps the error body and the log id.
    const response = yield* Effect.catchAllDefect(respond(request, logId), unexpected)
    return HttpServerResponse.setHeader(response, "X-Tt-Logid", logId)
  }).pipe(Effect.provideService(Store, store))

/**
 * Builds the emulator's HTTP app with its own fresh state, and the emulator's clock: the `Clock` of the
 * context this runs in, plus the offset `POST /__emulator/clock` adds.
 */
export const make = (settings: Settings) =>
  Effect.map(makeStore(settings), (store) => ({ app: httpApp(store), clock: store.clock.clock }))
