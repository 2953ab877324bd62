/**
 * Registered OAuth apps: creation (control API), lookup for grants, the redirect URI rule.
 */
import { Effect, HashMap, Option } from "effect"
import { appDeactivated, invalidClient, invalidRequest, notFound } from "./errors.js"
import { publicKeyFromPem } from "./jwt.js"
import { type App, findApp, randomDigits, randomToken, updateState } from "./state.js"
import type { CreateApp, CreatedApp } from "./wire.js"

const defaultRedirectUris = ["http://127.0.0.1/callback", "http://localhost/callback"]

export const createApp = (input: CreateApp) =>
  Effect.gen(function* () {
    const client_id = `${yield* randomDigits(13)}.app.coze`
    const client_secret = input.type === "web" ? yield* randomToken("", 30) : undefined
    if (input.type === "jwt" && input.public_key_pem === undefined) {
      return yield* invalidRequest("missing public_key_pem (required for jwt apps)")
    }
    const public_key = input.public_key_pem === undefined ? undefined : yield* publicKeyFromPem(input.public_key_pem)
    const app: App = {
      client_id,
      type: input.type,
      name: input.name ?? `Emulator ${input.type} app`,
      redirect_uris: input.redirect_uris ?? defaultRedirectUris,
      channel: input.channel ?? false,
      disabled: false,
      ...(client_secret === undefined ? {} : { client_secret }),
      ...(public_key === undefined ? {} : { public_key })
    }
    yield* updateState((state) => ({ ...state, apps: HashMap.set(state.apps, client_id, app) }))
    const created: CreatedApp = {
      client_id,
      ...(client_secret === undefined ? {} : { client_secret }),
      ...(public_key === undefined ? {} : { public_key_id: public_key.id })
    }
    return created
  })

export const setDisabled = (clientId: string, disabled: boolean) =>
  Effect.gen(function* () {
    const app = yield* Effect.flatten(findApp(clientId)).pipe(Effect.mapError(() => notFound(`app ${clientId}`)))
    yield* updateState((state) => ({ ...state, apps: HashMap.set(state.apps, clientId, { ...app, disabled }) }))
  })

/** The user revoked the app's authorization: every access and refresh token it holds dies (protocol §10.8). */
export const revokeTokens = (clientId: string) =>
  Effect.gen(function* () {
    yield* Effect.flatten(findApp(clientId)).pipe(Effect.mapError(() => notFound(`app ${clientId}`)))
    const others = <V extends { readonly client_id: string }>(map: HashMap.HashMap<string, V>) =>
      HashMap.filter(map, (grant) => grant.client_id !== clientId)
    yield* updateState((state) => ({
      ...state,
      accessTokens: others(state.accessTokens),
      refreshTokens: others(state.refreshTokens)
    }))
  })

/** The app a grant is for; unknown apps are `invalid_client`, deactivated ones `access_deny`. */
export const requireActiveApp = (clientId: string) =>
  Effect.gen(function* () {
    const app = yield* findApp(clientId)
    if (Option.isNone(app)) return yield* invalidClient(`unknown client_id ${clientId}`)
    if (app.value.disabled) return yield* appDeactivated(app.value.name)
    return app.value
  })

const loopbackHosts = new Set(["127.0.0.1", "localhost", "[::1]"])

const parseUrl = (text: string) => Option.liftThrowable(() => new URL(text))()

/**
 * Exact match with a registered URI, or RFC 8252 §7.3: a loopback `http` redirect matches whatever
 * its port, because native apps listen on an ephemeral one.
 */
export const isRegisteredRedirect = (app: App, redirectUri: string) =>
  app.redirect_uris.some((registered) => {
    if (registered === redirectUri) return true
    const [want, got] = [parseUrl(registered), parseUrl(redirectUri)]
    if (Option.isNone(want) || Option.isNone(got)) return false
    const [a, b] = [want.value, got.value]
    return (
      a.protocol === "http:" &&
      b.protocol === "http:" &&
      loopbackHosts.has(a.hostname) &&
      a.hostname === b.hostname &&
      a.pathname === b.pathname &&
      a.search === b.search
    )
  })
