/**
 * Loading `Config`s into the `CozeError` family.
 */
import { Effect, type ConfigError as EffectConfigError } from "effect"
import { type ConfigError, fromConfigError } from "../CozeError.js"

/** Loads a `Config`, failing with a `CozeError.ConfigError` that names every missing or malformed setting. */
export const load = <A>(config: Effect.Effect<A, EffectConfigError.ConfigError>): Effect.Effect<A, ConfigError> =>
  Effect.mapError(config, fromConfigError)
