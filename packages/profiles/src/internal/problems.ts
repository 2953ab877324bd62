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

/**
 * The error of profile `name`, with the settings core names by their env vars (`COZE_JWT_OAUTH_PRIVATE_KEY`)
 * renamed to where this profile's came from (`profiles.json: bot.private_key`): never a variable the user
 * did not set.
 */
export const attribute = (
  name: string,
  error: ConfigError,
  renames: Readonly<Record<string, string | undefined>>
): ConfigError => {
  const pairs = Object.entries(renames).filter(
    (pair): pair is [string, string] => pair[1] !== undefined && pair[0] !== pair[1]
  )
  const rename = (text: string) =>
    pairs.reduce((acc, [from, to]) => acc.replace(new RegExp(`\\b${escapeRegExp(from)}\\b`, "g"), to), text)
  const described = rename(error.description)
  const label = `profile "${name}": `
  return new ConfigError({
    description: described.startsWith(label) ? described : `${label}${described}`,
    ...(error.field === undefined ? {} : { field: rename(error.field) }),
    ...(error.hint === undefined ? {} : { hint: rename(error.hint) })
  })
}
