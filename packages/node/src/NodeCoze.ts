/**
 * The fast defaults for a long-running Node program (the MCP server, a service): `JwtOAuth` signs on
 * node:crypto (`NodeJwtSigner`), and requests go straight over undici's `Dispatcher.request`
 * (`internal/undiciClient.ts`), which skips `fetch`'s WHATWG layer and the platform client's per-request
 * wrapping: 0.4–0.6 ms less client CPU per token request than `FetchHttpClient`, and 0.1–0.3 ms less than
 * `NodeHttpClient.layerUndici` (docs/benchmarks.md). Undici is loaded on the first request, not at start-up
 * (≈ 60 ms of CPU more than `fetch`'s first request): a one-shot program that makes one request or none, like
 * the CLI, is better off with `FetchHttpClient` and `NodeJwtSigner.layer` alone.
 *
 * While the program runs Effect's built-in tracer, which exports nothing, requests make no span and send no
 * trace headers; with a tracer installed (OpenTelemetry, say) they go through the platform's
 * `HttpClient.make`, every request with its span, as with any other client. Either way no redirect is
 * followed, interruption aborts the request, and a failure keeps undici's error (and its code) as its cause.
 *
 * ```ts
 * import * as NodeCoze from "@coze-auth/node/NodeCoze"
 *
 * program.pipe(Effect.provide(JwtOAuth.layerConfig()), Effect.provide(NodeCoze.layer))
 * ```
 *
 * @since 0.1.0
 */
import type * as JwtOAuth from "@coze-auth/core/JwtOAuth"
import { HttpClient, type HttpClientRequest } from "@effect/platform"
import { Deferred, Effect, Layer, Scope } from "effect"
import * as UndiciClient from "./internal/undiciClient.js"
import * as NodeJwtSigner from "./NodeJwtSigner.js"

/** Effect's own tracer, the one a program runs unless it installs another. */
const builtInTracer = Effect.runSync(Effect.tracer)

interface Clients {
  readonly traced: HttpClient.HttpClient
  readonly untraced: HttpClient.HttpClient
}

/**
 * undici's client, built on the first request and closed with the layer's scope.
 *
 * @since 0.1.0
 * @category Layers
 */
export const layerHttpClient: Layer.Layer<HttpClient.HttpClient> = Layer.scoped(
  HttpClient.HttpClient,
  Effect.gen(function* () {
    const scope = yield* Effect.scope
    // The platform's module loads undici and makes (and closes) its dispatcher; requests skip its client.
    const build = Effect.promise(() => import("@effect/platform-node/NodeHttpClient")).pipe(
      Effect.flatMap((module) => Scope.extend(module.makeDispatcher, scope)),
      Effect.map(
        (agent): Clients => ({
          traced: UndiciClient.makeTraced(agent),
          untraced: UndiciClient.makeUntraced(agent)
        })
      )
    )
    // Built once, in a fiber of the layer's own: a first request cancelled midway does not cancel the build.
    const ready = yield* Deferred.make<Clients>()
    let started = false
    const start = Effect.uninterruptible(
      Effect.suspend(() => {
        if (started) return Effect.void
        started = true
        return Effect.asVoid(Effect.forkIn(Effect.intoDeferred(build, ready), scope))
      })
    )
    // Once built, a request goes straight to it (no lock, no Deferred on the way).
    let built: Clients | undefined
    const undici = Effect.suspend(() =>
      built !== undefined
        ? Effect.succeed(built)
        : Effect.zipRight(
            start,
            Effect.tap(Deferred.await(ready), (clients) => {
              built = clients
            })
          )
    )
    return HttpClient.makeWith(
      (request: Effect.Effect<HttpClientRequest.HttpClientRequest>) =>
        Effect.flatMap(request, (request) =>
          Effect.flatMap(undici, (clients) =>
            Effect.tracerWith((tracer) =>
              (tracer === builtInTracer ? clients.untraced : clients.traced).execute(request)
            )
          )
        ),
      Effect.succeed
    )
  })
)

/**
 * `layerHttpClient` and `NodeJwtSigner.layer`.
 *
 * @since 0.1.0
 * @category Layers
 */
export const layer: Layer.Layer<HttpClient.HttpClient | JwtOAuth.JwtSigner> = Layer.merge(
  layerHttpClient,
  NodeJwtSigner.layer
)
