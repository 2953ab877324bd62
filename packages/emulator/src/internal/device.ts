/**
 * Device authorization grant (RFC 8628 as Coze speaks it): issuing device codes, the verification
 * page, and the polling state machine behind the token endpoint.
 */
import { HttpRouter, HttpServerRequest } from "@effect/platform"
import { Effect, HashMap, Option, Schema } from "effect"
import { requireActiveApp } from "./apps.js"
import { deviceError, invalidGrant, invalidRequest, notFound } from "./errors.js"
import { baseUrl, decode, decodeJsonBody, json, readForm } from "./http.js"
import { devicePage, deviceResultPage } from "./pages.js"
import {
  type DeviceAuthorization,
  getState,
  modifyState,
  normalizeUserCode,
  now,
  randomToken,
  randomUserCode,
  Store,
  updateState
} from "./state.js"
import { issueUserTokens } from "./tokens.js"
import { Decision } from "./wire.js"

/** The official SDKs stop growing their interval at 30 s, so the emulator never asks for more. */
const maxIntervalSeconds = 30

/** `POST /api/permission/oauth2[/workspace_id/{ws}]/device/code` */
export const deviceCode = Effect.gen(function* () {
  const { client_id } = yield* decodeJsonBody(Schema.Struct({ client_id: Schema.String }))
  const { workspace_id } = yield* HttpRouter.params
  const app = yield* requireActiveApp(client_id)
  if (app.type !== "device") return yield* invalidRequest(`invalid app type: ${app.type}`)
  const { settings } = yield* Store
  const device: DeviceAuthorization = {
    device_code: yield* randomToken("dc_"),
    user_code: yield* randomUserCode,
    client_id,
    workspace_id,
    expires_at: (yield* now) + settings.deviceCodeTtl * 1000,
    interval: settings.interval,
    last_poll_at: undefined,
    decision: "pending"
  }
  yield* updateState((state) => ({ ...state, devices: HashMap.set(state.devices, device.device_code, device) }))
  return json({
    device_code: device.device_code,
    user_code: device.user_code,
    verification_uri: `${yield* baseUrl}/oauth/device`,
    expires_in: settings.deviceCodeTtl,
    interval: device.interval
  })
})

type PollOutcome = "unknown" | "wrong_client" | "expired_token" | "slow_down" | "pending" | "denied" | "approved"

/** One poll, atomically: checks timing, records it, and consumes the device code once it is answered. */
const poll = (deviceCode: string, clientId: string, at: number) =>
  modifyState((state): readonly [PollOutcome, typeof state] => {
    const found = HashMap.get(state.devices, deviceCode)
    if (Option.isNone(found)) return ["unknown", state]
    const device = found.value
    if (device.client_id !== clientId) return ["wrong_client", state]
    const save = (next: DeviceAuthorization) => ({ ...state, devices: HashMap.set(state.devices, deviceCode, next) })
    const done = { ...state, devices: HashMap.remove(state.devices, deviceCode) }
    if (at >= device.expires_at) return ["expired_token", state]
    if (device.last_poll_at !== undefined && at - device.last_poll_at < device.interval * 1000) {
      const interval = Math.min(device.interval + 5, maxIntervalSeconds)
      return ["slow_down", save({ ...device, interval, last_poll_at: at })]
    }
    if (device.decision === "pending") return ["pending", save({ ...device, last_poll_at: at })]
    return [device.decision, done]
  })

/** The device-code grant of the token endpoint. */
export const deviceTokenGrant = (input: { readonly client_id: string; readonly device_code: string }) =>
  Effect.gen(function* () {
    yield* requireActiveApp(input.client_id)
    const outcome = yield* poll(input.device_code, input.client_id, yield* now)
    switch (outcome) {
      case "unknown":
        return yield* invalidGrant("device_code is unknown or was already used")
      case "wrong_client":
        return yield* invalidGrant("device_code was issued to another client")
      case "pending":
        return yield* deviceError("authorization_pending")
      case "denied":
        return yield* deviceError("access_denied")
      case "approved":
        return yield* issueUserTokens(input.client_id)
      default:
        return yield* deviceError(outcome)
    }
  })

/** The live device authorization a user code names, with its app's name. */
const findByUserCode = (userCode: string) =>
  Effect.gen(function* () {
    const state = yield* getState
    const at = yield* now
    const wanted = normalizeUserCode(userCode)
    return HashMap.findFirst(
      state.devices,
      (device) => device.user_code === wanted && device.decision === "pending" && device.expires_at > at
    ).pipe(
      Option.flatMap(([, device]) =>
        Option.map(HashMap.get(state.apps, device.client_id), (app) => ({ device, appName: app.name }))
      )
    )
  })

/** Records the user's answer for a user code; the next poll sees it. */
export const answerDevice = (userCode: string, decision: Decision) =>
  Effect.gen(function* () {
    const { appName, device } = yield* Effect.flatten(findByUserCode(userCode)).pipe(
      Effect.mapError(() => notFound(`user_code ${userCode} (unknown, expired or already answered)`))
    )
    const answered: DeviceAuthorization = { ...device, decision: decision === "approve" ? "approved" : "denied" }
    yield* updateState((state) => ({ ...state, devices: HashMap.set(state.devices, device.device_code, answered) }))
    return appName
  })

/** `GET /oauth/device[?user_code=…]`: the verification page, prefilled when the link carries the code. */
export const deviceForm = Effect.gen(function* () {
  const request = yield* HttpServerRequest.HttpServerRequest
  const userCode = new URL(request.url, "http://emulator").searchParams.get("user_code") ?? ""
  const found = userCode === "" ? Option.none() : yield* findByUserCode(userCode)
  return devicePage({
    userCode,
    request: Option.getOrUndefined(
      Option.map(found, ({ appName, device }) => ({ appName, workspaceId: device.workspace_id }))
    )
  })
})

/** `POST /oauth/device` (the page's form) */
export const deviceSubmit = Effect.gen(function* () {
  const form = yield* readForm
  const userCode = form.get("user_code") ?? ""
  return yield* decode(Decision)(form.get("decision")).pipe(
    Effect.flatMap((decision) =>
      Effect.map(answerDevice(userCode, decision), (appName) => deviceResultPage(appName, decision === "approve"))
    ),
    Effect.catchTag("OAuthError", () =>
      Effect.succeed(
        devicePage({ userCode, request: undefined, problem: "That code is unknown, expired or already used." })
      )
    )
  )
})
