import { createPrivateKey, generateKeyPairSync } from "node:crypto"
import * as http from "node:http"
import { FetchHttpClient, HttpClient, HttpClientRequest } from "@effect/platform"
import { assert } from "@effect/vitest"
import { Clock, Effect, Layer } from "effect"
import { SignJWT } from "jose"
import * as Emulator from "../../src/Emulator.js"
import * as EmulatorClient from "../../src/EmulatorClient.js"

/** An emulator on a free loopback port (built inside the test, so it follows the TestClock) and its client. */
export const TestEmulator = (options?: Partial<Emulator.Options>) =>
  EmulatorClient.layer.pipe(
    Layer.provideMerge(Emulator.layer(options)),
    Layer.provideMerge(FetchHttpClient.layer),
    // Tests look at redirects themselves.
    Layer.provideMerge(Layer.succeed(FetchHttpClient.RequestInit, { redirect: "manual" }))
  )

export type Json = { readonly [key: string]: unknown }

export interface Answer {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly text: string
  readonly json: Json
}

const parse = (text: string): Json => {
  try {
    return JSON.parse(text) as Json
  } catch {
    return {}
  }
}

/** One raw HTTP request to the emulator. */
export const send = (request: HttpClientRequest.HttpClientRequest) =>
  Effect.gen(function* () {
    const { url } = yield* Emulator.Emulator
    const client = yield* HttpClient.HttpClient
    const response = yield* client.execute(HttpClientRequest.prependUrl(request, url))
    const text = yield* response.text
    return { status: response.status, headers: response.headers, text, json: parse(text) } satisfies Answer
  }).pipe(Effect.orDie)

/** POSTs `body` in 1 KiB chunks with no Content-Length (`Transfer-Encoding: chunked`). */
export const postChunked = (path: string, body: string, contentType = "application/json") =>
  Effect.flatMap(Emulator.Emulator, ({ url }) =>
    Effect.async<Answer>((resume) => {
      const request = http.request(`${url}${path}`, { method: "POST", headers: { "Content-Type": contentType } })
      request.on("response", (response) => {
        let text = ""
        response.setEncoding("utf8")
        response.on("data", (chunk: string) => {
          text += chunk
        })
        response.on("end", () => {
          const headers = response.headers as Record<string, string>
          resume(Effect.succeed({ status: response.statusCode ?? 0, headers, text, json: parse(text) }))
        })
      })
      // A dropped connection ("socket hang up") is a test failure, not a hang.
      request.on("error", (error) => resume(Effect.die(error)))
      for (let offset = 0; offset < body.length; offset += 1024) request.write(body.slice(offset, offset + 1024))
      request.end()
    })
  )

export const get = (path: string, headers: Record<string, string> = {}) =>
  send(HttpClientRequest.get(path).pipe(HttpClientRequest.setHeaders(headers)))

export const postJson = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  send(HttpClientRequest.post(path).pipe(HttpClientRequest.bodyUnsafeJson(body), HttpClientRequest.setHeaders(headers)))

export const tokenPath = "/api/permission/oauth2/token"

export const postToken = (body: unknown, headers: Record<string, string> = {}) => postJson(tokenPath, body, headers)

export const GrantTypes = {
  deviceCode: "urn:ietf:params:oauth:grant-type:device_code",
  jwtBearer: "urn:ietf:params:oauth:grant-type:jwt-bearer"
} as const

/** Checks the Coze auth error shape: non-2xx, both naming schemes, a log id. */
export const assertOAuthError = (answer: Answer, status: number, code: string, message?: string) => {
  assert.strictEqual(answer.status, status, answer.text)
  assert.strictEqual(answer.json.error_code, code)
  assert.strictEqual(answer.json.error, code)
  assert.strictEqual(answer.json.error_message, answer.json.error_description)
  if (message !== undefined) assert.include(String(answer.json.error_message), message)
  assert.isString(answer.headers["x-tt-logid"])
}

export const authorizePath = (params: Record<string, string>, workspaceId?: string) => {
  const scope = workspaceId === undefined ? "" : `/workspace_id/${workspaceId}`
  return `/api/permission/oauth2${scope}/authorize?${new URLSearchParams({ response_type: "code", ...params })}`
}

export const authorizeUrl = (params: Record<string, string>, workspaceId?: string) =>
  Effect.map(Emulator.Emulator, ({ url }) => `${url}${authorizePath(params, workspaceId)}`)

/** Runs the browser half of a code flow and returns the `code` (and checks `state` came back). */
export const approvedCode = (params: Record<string, string>) =>
  Effect.gen(function* () {
    const emulator = yield* EmulatorClient.EmulatorClient
    const redirect = new URL(yield* emulator.authorize(yield* authorizeUrl({ state: "s1", ...params }), "approve"))
    assert.strictEqual(redirect.searchParams.get("state"), "s1")
    return redirect.searchParams.get("code")!
  })

/** Tokens for a PKCE app through the whole code flow (plain challenge). */
export const userTokens = (clientId: string, redirectUri = "http://127.0.0.1/callback") =>
  Effect.gen(function* () {
    const code = yield* approvedCode({ client_id: clientId, redirect_uri: redirectUri, code_challenge: "verifier" })
    const answer = yield* postToken({
      grant_type: "authorization_code",
      client_id: clientId,
      code,
      redirect_uri: redirectUri,
      code_verifier: "verifier"
    })
    assert.strictEqual(answer.status, 200, answer.text)
    return answer.json
  })

export const rsaKeyPair = () =>
  generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" }
  })

/** A JWT app with a fresh key. */
export const jwtApp = (options: { readonly channel?: boolean } = {}) =>
  Effect.gen(function* () {
    const emulator = yield* EmulatorClient.EmulatorClient
    const keys = rsaKeyPair()
    const app = yield* emulator.createApp({ type: "jwt", public_key_pem: keys.publicKey, ...options })
    return { ...app, privateKey: keys.privateKey, kid: app.public_key_id! }
  })

export interface JwtInput {
  readonly privateKey: string
  readonly kid: string
  readonly iss: string
  readonly aud?: string
  readonly jti?: string
  readonly lifetime?: number
}

/** Signs an assertion valid at the emulator's time (the test's clock). */
export const signJwt = (input: JwtInput) =>
  Effect.gen(function* () {
    const { url } = yield* Emulator.Emulator
    const now = Math.floor((yield* Clock.currentTimeMillis) / 1000)
    return yield* Effect.promise(() =>
      new SignJWT({})
        .setProtectedHeader({ alg: "RS256", typ: "JWT", kid: input.kid })
        .setIssuer(input.iss)
        .setAudience(input.aud ?? new URL(url).host)
        .setIssuedAt(now)
        .setExpirationTime(now + (input.lifetime ?? 600))
        .setJti(input.jti ?? crypto.randomUUID())
        .sign(createPrivateKey(input.privateKey))
    )
  })
