/**
 * Turns Effect's `ConfigError` tree into one `CozeError.ConfigError` naming every setting at fault.
 */
import { Effect, ConfigError as EffectConfigError } from "effect"
import { ConfigError } from "../CozeError.js"

const problems = (error: EffectConfigError.ConfigError): ReadonlyArray<{ field: string; message: string }> =>
  EffectConfigError.reduceWithContext(error, undefined, {
    andCase: (_, left, right) => [...left, ...right],
    orCase: (_, left, right) => [...left, ...right],
    invalidDataCase: (_, path, message) => [{ field: path.join("_"), message }],
    missingDataCase: (_, path) => [{ field: path.join("_"), message: "is missing" }],
    sourceUnavailableCase: (_, path, message) => [{ field: path.join("_"), message }],
    unsupportedCase: (_, path, message) => [{ field: path.join("_"), message }]
  })

/** One `ConfigError` for many problems: `field` lists every setting, the description says what is wrong. */
export const fromProblems = (list: ReadonlyArray<{ readonly field: string; readonly message: string }>): ConfigError =>
  new ConfigError({
    description: `invalid configuration: ${list.map(({ field, message }) => `${field} ${message}`).join("; ")}`,
    field: list.map(({ field }) => field).join(", ")
  })

/** Loads a `Config`, failing with a `CozeError.ConfigError` that names every missing or malformed setting. */
export const load = <A>(config: Effect.Effect<A, EffectConfigError.ConfigError>): Effect.Effect<A, ConfigError> =>
  Effect.mapError(config, (error) => fromProblems(problems(error)))
