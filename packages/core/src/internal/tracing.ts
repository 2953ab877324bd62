/**
 * Spans only where someone reads them. Under Effect's built-in tracer, which exports nothing, a span still
 * costs ≈ 15–20 µs (its object, a clock read, a captured stack trace): token requests skip them until a
 * program installs a tracer (OpenTelemetry, say), and then every span is there.
 */
import { Effect, type Tracer } from "effect"

/** The tracer a program runs unless it installs another. */
export const builtInTracer: Tracer.Tracer = Effect.runSync(Effect.tracer)

/** `Effect.withSpan`, without the span while the built-in tracer runs. */
export const withSpan =
  (name: string, options?: Tracer.SpanOptions) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.tracerWith((tracer) => (tracer === builtInTracer ? effect : Effect.withSpan(effect, name, options)))
