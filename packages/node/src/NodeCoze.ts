/**
 * The fast defaults for a Node program (the MCP server, the CLI, a service): `JwtOAuth` signs on node:crypto
 * (`NodeJwtSigner`), and requests go straight over `node:http` / `node:https` with keep-alive agents
 * (`internal/nodeHttpClient.ts`), which skips `fetch`'s WHATWG layer and the platform clients' per-request
 * wrapping: about 0.5 ms less client CPU per token request than `FetchHttpClient` (docs/benchmarks.md).
 * Nothing is loaded on the first request (`node:http` is part of Node; `fetch` loads its undici on first use),
 * so a one-shot program gains as much as a long-running one.
 *
 * While the program runs Effect's built-in tracer, which exports nothing, requests make no span and send no
 * trace headers; with a tracer installed (OpenTelemetry, say) they go through the platform's
 * `HttpClient.make`, every request with its span, as with any other client. Either way no redirect is
 * followed, interruption aborts the request, and a failure keeps Node's error (and its code) as its cause.
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
import { Effect, Layer } from "effect"
import * as Client from "./internal/nodeHttpClient.js"
import * as NodeJwtSigner from "./NodeJwtSigner.js"

/** Effect's own tracer, the one a program runs unless it installs another. */
const builtInTracer = Effect.runSync(Effect.tracer)

/**
 * The client over `node:http` / `node:https`, its keep-alive connections closed with the layer's scope.
 *
 * @since 0.1.0
 * @category Layers
 */
export const layerHttpClient: Layer.Layer<HttpClient.HttpClient> = Layer.scoped(
  HttpClient.HttpClient,
  Effect.map(
    Effect.acquireRelease(Effect.sync(Client.makeAgents), (agents) => Effect.sync(() => Client.closeAgents(agents))),
    (agents) => {
      const traced = Client.makeTraced(agents)
      const untraced = Client.makeUntraced(agents)
      return HttpClient.makeWith(
        (request: Effect.Effect<HttpClientRequest.HttpClientRequest>) =>
          Effect.flatMap(request, (request) =>
            Effect.tracerWith((tracer) => (tracer === builtInTracer ? untraced : traced).execute(request))
          ),
        Effect.succeed
      )
    }
  )
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
