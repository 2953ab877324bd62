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
import { Chunk, Clock, Duration, Effect, type Fiber, Layer, Option, Ref, TestClock } from "effect"
import * as Region from "../../src/Region.js"
import * as Retry from "../../src/Retry.js"

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

/** One turn of the event loop: real I/O (the emulator, a response body) progresses; no time is guessed. */
const turn = Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))

const maxTurns = 100_000

/**
 * Until a fiber sleeps on the TestClock and would wake within `seconds` from now: the fiber under test has
 * reached the wait that a following `TestClock.adjust(seconds)` ends. At most 100,000 turns of the loop.
 */
export const sleepingWithin = (seconds: number) =>
  Effect.gen(function* () {
    for (let i = 0; i < maxTurns; i++) {
      const now = yield* Clock.currentTimeMillis
      if (Chunk.some(yield* TestClock.sleeps(), (at) => at > now && at <= now + seconds * 1000)) return
      yield* turn
    }
    return yield* Effect.dieMessage(`no fiber came to sleep for at most ${seconds}s on the TestClock`)
  })

/** Waits until the fiber under test sleeps for at most `seconds`, then moves the TestClock that far. */
export const advance = (seconds: number) =>
  Effect.zipRight(sleepingWithin(seconds), TestClock.adjust(`${seconds} seconds`))

/**
 * Moves the TestClock to each next wake-up within `upTo` (by default the longest retry wait), as the fibers come
 * to sleep, until every one of them is done. A sleep further out is a deadline: jumping to it while a fiber
 * waits on real async work (a body being read, a JWT being signed) would fire it, or use up the retry budget,
 * before its time; pass the deadline as `upTo` where reaching it is the point.
 */
export const runToCompletion = (
  fibers: ReadonlyArray<Fiber.Fiber<unknown, unknown>>,
  options?: { readonly upTo?: Duration.DurationInput }
) =>
  Effect.gen(function* () {
    const upTo = Duration.toMillis(options?.upTo ?? Retry.maxDelay)
    for (let i = 0; i < maxTurns; i++) {
      const done = yield* Effect.forEach(fibers, (fiber) => Effect.map(fiber.poll, Option.isSome))
      if (done.every(Boolean)) return
      const now = yield* Clock.currentTimeMillis
      const due = Chunk.filter(yield* TestClock.sleeps(), (at) => at > now && at <= now + upTo)
      if (Chunk.isNonEmpty(due))
        yield* TestClock.setTime(Chunk.reduce(due, Number.POSITIVE_INFINITY, (min, at) => Math.min(min, at)))
      yield* turn
    }
    return yield* Effect.dieMessage("the fibers under test never finished")
  })

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
