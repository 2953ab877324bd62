import { generateKeyPairSync } from "node:crypto"
import * as Emulator from "@coze-auth/emulator/Emulator"
import * as EmulatorClient from "@coze-auth/emulator/EmulatorClient"
import {
  FetchHttpClient,
  HttpClient,
  HttpClientError,
  type HttpClientRequest,
  HttpClientResponse
} from "@effect/platform"
import { Effect, Layer, Ref, TestClock, TestServices } from "effect"
import * as Region from "../../src/Region.js"

/** An emulator on a free loopback port (built inside the test, so it follows the TestClock) and its client. */
export const TestEmulator = (options?: Partial<Emulator.Options>) =>
  EmulatorClient.layer.pipe(Layer.provideMerge(Emulator.layer(options)), Layer.provideMerge(FetchHttpClient.layer))

/** The region pointing at the emulator in context. */
export const emulatorRegion = Effect.map(Emulator.Emulator, ({ url }) => Region.custom({ apiBase: url }))

/** Protocol requests the emulator saw, optionally only one grant type. */
export const requestsOf = (grantType?: string) =>
  Effect.flatMap(EmulatorClient.EmulatorClient, ({ requests }) =>
    Effect.map(requests, (all) => all.filter((request) => grantType === undefined || request.grant_type === grantType))
  )

/** An RSA key pair: the PEM in both private encodings, the public key to register. */
export const rsaKeys = () => {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 })
  return {
    pkcs8: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    pkcs1: privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
    publicPem: publicKey.export({ type: "spki", format: "pem" }).toString()
  }
}

/** A few real milliseconds, so a fiber that just reported progress reaches its (virtual) sleep. */
export const settle = Effect.sleep("10 millis").pipe(TestServices.provideLive)

/** Lets the fiber under test reach its sleep, then moves the TestClock. */
export const advance = (seconds: number) => Effect.zipRight(settle, TestClock.adjust(`${seconds} seconds`))

/**
 * An HttpClient for what a real server cannot do on demand (torn bodies, resets, 503 + Retry-After): each
 * attempt is counted and answered by `reply(attempt)`.
 */
export const stubClient = (
  reply: (
    attempt: number,
    request: HttpClientRequest.HttpClientRequest
  ) => Effect.Effect<Response, HttpClientError.HttpClientError>
) =>
  Effect.gen(function* () {
    const attempts = yield* Ref.make(0)
    const client = HttpClient.make((request) =>
      Ref.updateAndGet(attempts, (n) => n + 1).pipe(
        Effect.flatMap((attempt) => reply(attempt, request)),
        Effect.map((response) => HttpClientResponse.fromWeb(request, response))
      )
    )
    return { client, attempts }
  })

export const jsonResponse = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", "x-tt-logid": "20240101000000ABCDEF", ...headers }
  })

export const connectionReset = (request: HttpClientRequest.HttpClientRequest) =>
  new HttpClientError.RequestError({ request, reason: "Transport", cause: new Error("ECONNRESET") })
