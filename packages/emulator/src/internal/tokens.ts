/**
 * Issuing access and refresh tokens, and checking them on OpenAPI calls (`GET /v1/users/me`, `openApi.ts`).
 */
import { Effect, HashMap, Option } from "effect"
import { Unauthenticated } from "./errors.js"
import { bearerCredential, json } from "./http.js"
import { getState, now, randomToken, Store, updateState } from "./state.js"

const seconds = (millis: number) => Math.floor(millis / 1000)

/** The one user every OBO grant acts for. */
export const emulatorUser = {
  user_id: "7400000000000000001",
  user_name: "emulator_user",
  nick_name: "Emulator User",
  avatar_url: "https://example.invalid/avatar.png"
}

/** `czu_` access token + rotating `czr_` refresh token; `expires_in` is the absolute Unix second (Coze). */
export const issueUserTokens = (clientId: string) =>
  Effect.gen(function* () {
    const { settings } = yield* Store
    const at = yield* now
    const access_token = yield* randomToken("czu_")
    const refresh_token = yield* randomToken("czr_")
    const expires_at = at + settings.accessTokenTtl * 1000
    yield* updateState((state) => ({
      ...state,
      accessTokens: HashMap.set(state.accessTokens, access_token, { client_id: clientId, expires_at }),
      refreshTokens: HashMap.set(state.refreshTokens, refresh_token, {
        client_id: clientId,
        expires_at: at + settings.refreshTokenTtl * 1000
      })
    }))
    return json({ access_token, expires_in: seconds(expires_at), refresh_token, token_type: "Bearer" })
  })

/** `czs_` service token for the JWT grant: no refresh token, a new JWT is signed instead. */
export const issueServiceToken = (clientId: string, durationSeconds: number, scope: unknown) =>
  Effect.gen(function* () {
    const access_token = yield* randomToken("czs_")
    const expires_at = (yield* now) + durationSeconds * 1000
    yield* updateState((state) => ({
      ...state,
      accessTokens: HashMap.set(state.accessTokens, access_token, { client_id: clientId, expires_at })
    }))
    return json({
      access_token,
      expires_in: seconds(expires_at),
      token_type: "Bearer",
      ...(scope === undefined ? {} : { scope })
    })
  })

/** `POST /__emulator/pats`: a `pat_` token for the emulator user, valid `expiresInSeconds` or for ever. */
export const issuePersonalToken = (expiresInSeconds: number | undefined) =>
  Effect.gen(function* () {
    const token = yield* randomToken("pat_")
    const expires_at = expiresInSeconds === undefined ? undefined : (yield* now) + expiresInSeconds * 1000
    yield* updateState((state) => ({
      ...state,
      personalTokens: HashMap.set(state.personalTokens, token, { expires_at })
    }))
    return token
  })

/**
 * The request carries a live token of an enabled app or a live personal access token, else `Unauthenticated`
 * (Coze code 4100).
 */
export const requireToken = Effect.gen(function* () {
  const token = yield* Effect.flatten(bearerCredential).pipe(Effect.mapError(() => new Unauthenticated()))
  const state = yield* getState
  const at = yield* now
  const ofApp = HashMap.get(state.accessTokens, token).pipe(
    Option.filter((grant) => grant.expires_at > at),
    Option.flatMap((grant) => HashMap.get(state.apps, grant.client_id)),
    Option.exists((app) => !app.disabled)
  )
  const personal = HashMap.get(state.personalTokens, token).pipe(
    Option.exists(({ expires_at }) => expires_at === undefined || expires_at > at)
  )
  if (!ofApp && !personal) return yield* new Unauthenticated()
})

/** `GET /v1/users/me`: any live token of an enabled app. */
export const usersMe = Effect.as(requireToken, json({ code: 0, msg: "", data: emulatorUser }))
