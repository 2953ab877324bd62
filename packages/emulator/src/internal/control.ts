/**
 * The control API under `/__emulator` (architecture §4): JSON in, JSON out, for tests and demos.
 */
import { HttpRouter } from "@effect/platform"
import { Chunk, Effect } from "effect"
import { createApp, revokeTokens, setDisabled } from "./apps.js"
import { decide } from "./authorize.js"
import { answerDevice } from "./device.js"
import { baseUrl, decodeControlBody, json } from "./http.js"
import { advanceClock, getState, now, reset } from "./state.js"
import { issuePersonalToken } from "./tokens.js"
import { AdvanceClock, Consent, CreateApp, CreatePat, type Decision, UserCode } from "./wire.js"

const ok = json({ ok: true })

const setAppDisabled = (disabled: boolean) =>
  HttpRouter.params.pipe(
    Effect.flatMap((params) => setDisabled(params.client_id ?? "", disabled)),
    Effect.as(ok)
  )

const answerDeviceWith = (decision: Decision) =>
  decodeControlBody(UserCode).pipe(
    Effect.flatMap(({ user_code }) => answerDevice(user_code, decision)),
    Effect.as(ok)
  )

export const controlRoutes = HttpRouter.empty.pipe(
  HttpRouter.get(
    "/health",
    Effect.map(baseUrl, (base) => json({ ok: true, api_base: base, www_base: base }))
  ),
  HttpRouter.post(
    "/apps",
    Effect.flatMap(decodeControlBody(CreateApp), createApp).pipe(Effect.map((app) => json(app)))
  ),
  HttpRouter.post("/apps/:client_id/disable", setAppDisabled(true)),
  HttpRouter.post("/apps/:client_id/enable", setAppDisabled(false)),
  HttpRouter.post(
    "/apps/:client_id/revoke",
    HttpRouter.params.pipe(
      Effect.flatMap((params) => revokeTokens(params.client_id ?? "")),
      Effect.as(ok)
    )
  ),
  HttpRouter.post(
    "/pats",
    Effect.gen(function* () {
      const { expires_in_seconds } = yield* decodeControlBody(CreatePat)
      return json({ token: yield* issuePersonalToken(expires_in_seconds) })
    })
  ),
  HttpRouter.post(
    "/consent",
    Effect.gen(function* () {
      const { authorize_key, decision } = yield* decodeControlBody(Consent)
      return json({ redirect: yield* decide(authorize_key, decision) })
    })
  ),
  HttpRouter.post("/device/approve", answerDeviceWith("approve")),
  HttpRouter.post("/device/deny", answerDeviceWith("deny")),
  HttpRouter.post(
    "/clock",
    Effect.gen(function* () {
      const { advance_seconds } = yield* decodeControlBody(AdvanceClock)
      yield* advanceClock(advance_seconds * 1000)
      return json({ now: Math.floor((yield* now) / 1000) })
    })
  ),
  HttpRouter.get(
    "/requests",
    Effect.map(getState, (state) => json(Chunk.toReadonlyArray(state.requests)))
  ),
  HttpRouter.post("/reset", Effect.as(reset, ok))
)
