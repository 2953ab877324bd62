/** Several `ConfigError`s as one, and a profile's error worded with where its settings came from. */
import { ConfigError } from "@coze-auth/core/CozeError"

const prefix = "invalid configuration: "

/** One error naming every setting at fault in any of `errors`. */
export const merge = (errors: ReadonlyArray<ConfigError>): ConfigError => {
  if (errors.length === 1) return errors[0]!
  const descriptions = errors.map((e) =>
    e.description.startsWith(prefix) ? e.description.slice(prefix.length) : e.description
  )
  const hints = errors.flatMap((e) => (e.hint === undefined ? [] : [e.hint]))
  return new ConfigError({
    description: `${prefix}${descriptions.join("; ")}`,
    field: errors.flatMap((e) => (e.field === undefined ? [] : [e.field])).join(", "),
    ...(hints.length === 0 ? {} : { hint: hints.join("; ") })
  })
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

type Renames = Readonly<Record<string, string | undefined>>

/** Replaces each setting's env var name (a whole word) with where this profile's setting came from. */
const renamer = (renames: Renames) => {
  const pairs = Object.entries(renames).filter(
    (pair): pair is [string, string] => pair[1] !== undefined && pair[0] !== pair[1]
  )
  return (text: string) =>
    pairs.reduce((acc, [from, to]) => acc.replace(new RegExp(`\\b${escapeRegExp(from)}\\b`, "g"), to), text)
}

/**
 * The error of profile `name`, with the settings core names by their env vars (`COZE_JWT_OAUTH_PRIVATE_KEY`)
 * renamed to where this profile's came from (`profiles.json: bot.private_key`): never a variable the user
 * did not set.
 */
export const attribute = (name: string, error: ConfigError, renames: Renames): ConfigError => {
  const rename = renamer(renames)
  const described = rename(error.description)
  const label = `profile "${name}": `
  return new ConfigError({
    description: described.startsWith(label) ? described : `${label}${described}`,
    ...(error.field === undefined ? {} : { field: rename(error.field) }),
    ...(error.hint === undefined ? {} : { hint: rename(error.hint) })
  })
}

/**
 * Any error whose `description` or `hint` names a setting by core's env var, reworded the same way (the
 * region hint "set COZE_API_BASE=…" of a profiles.json profile names its field). The copy keeps the error's
 * class, tag and every other field.
 */
export const renameIn = <E>(error: E, renames: Renames): E => {
  if (typeof error !== "object" || error === null) return error
  const rename = renamer(renames)
  const fields = error as { readonly description?: unknown; readonly hint?: unknown }
  const changed = Object.fromEntries(
    (["description", "hint"] as const).flatMap((key) => {
      const value = fields[key]
      return typeof value === "string" && rename(value) !== value ? [[key, rename(value)]] : []
    })
  )
  if (Object.keys(changed).length === 0) return error
  return Object.assign(Object.create(Object.getPrototypeOf(error)) as object, error, changed) as E
}
