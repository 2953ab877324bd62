/**
 * The one check on where `api_get` / `api_request` may go (architecture §5): a path on the profile's API base
 * that starts `/v1/` or `/v3/`. Whatever could leave that base or climb out of it is refused before anything is
 * sent: absolute URLs, `//host`, backslashes, `.` and `..` segments (raw or percent-encoded, however many
 * times), an encoded `/` or `\`, malformed escapes and characters a URL would have to encode.
 */
import { Either } from "effect"

export interface Target {
  /** The path as given, checked: it reaches the server exactly so. */
  readonly path: string
  /** Query parameters written into the path (`?a=1`), in order; the `query` argument adds to them. */
  readonly query: ReadonlyArray<readonly [string, string]>
}

const prefixes = ["/v1/", "/v3/"]

/** RFC 3986 `pchar` (with `%` for escapes): anything else would be rewritten by the URL parser. */
const segmentChars = /^[A-Za-z0-9\-._~!$&'()*+,;=:@%]*$/

const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:/

/** Every form a segment takes as servers decode it, once or more (`%252e` → `%2e` → `.`). */
const decodings = (segment: string): Either.Either<ReadonlyArray<string>, string> => {
  const forms = [segment]
  let current = segment
  while (current.includes("%") && forms.length < 8) {
    try {
      current = decodeURIComponent(current)
    } catch {
      return Either.left("it has a malformed percent-escape")
    }
    forms.push(current)
  }
  return Either.right(forms)
}

const checkSegment = (segment: string): Either.Either<void, string> => {
  if (!segmentChars.test(segment)) {
    const bad = [...segment].find((char) => !segmentChars.test(char)) ?? ""
    return Either.left(`the character ${JSON.stringify(bad)} must be percent-encoded`)
  }
  return Either.flatMap(decodings(segment), (forms) => {
    if (forms.some((form) => form === "." || form === ".."))
      return Either.left("dot segments (. and ..) are not allowed, raw or percent-encoded")
    if (forms.slice(1).some((form) => form.includes("/") || form.includes("\\")))
      return Either.left("an encoded / or \\ is not allowed")
    return Either.void
  })
}

/** The path checked, or why it is refused. */
export const validate = (raw: string): Either.Either<Target, string> => {
  if (raw.includes("\\")) return Either.left("backslashes are not allowed")
  if (scheme.test(raw)) return Either.left("absolute URLs are not allowed: calls go to the profile's own API base")
  if (raw.startsWith("//")) return Either.left("a path starting with // names another host")
  if (raw.includes("#")) return Either.left("a fragment (#) is not allowed")
  const mark = raw.indexOf("?")
  const path = mark === -1 ? raw : raw.slice(0, mark)
  if (!prefixes.some((prefix) => path.startsWith(prefix))) {
    return Either.left("only /v1/… and /v3/… paths (the Coze OpenAPI) can be called")
  }
  const segments = path.slice(1).split("/")
  for (const [i, segment] of segments.entries()) {
    if (segment === "" && i < segments.length - 1) return Either.left("empty segments (//) are not allowed")
    const checked = checkSegment(segment)
    if (Either.isLeft(checked)) return Either.left(checked.left)
  }
  const query = mark === -1 ? [] : [...new URLSearchParams(raw.slice(mark + 1)).entries()]
  return Either.right({ path, query })
}

/**
 * The URL the request goes to, or why not: the parser must keep the path exactly as checked, under the api
 * base's own path (a base with a path prefix keeps it).
 */
export const resolve = (apiBase: string, target: Target): Either.Either<string, string> => {
  if (!URL.canParse(apiBase)) return Either.left(`the profile's API base ${apiBase} is not a URL`)
  const base = new URL(apiBase)
  const url = new URL(`${base.origin}${base.pathname.replace(/\/$/, "")}${target.path}`)
  return url.origin === base.origin && url.pathname === `${base.pathname.replace(/\/$/, "")}${target.path}`
    ? Either.right(url.href)
    : Either.left("the URL parser would change it")
}
