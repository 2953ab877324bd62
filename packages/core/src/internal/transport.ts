/**
 * What every request carrying a secret shares: no redirect is ever followed, a transport failure is told by
 * its cause, and text from the server loses the secrets its request carried.
 */
import { FetchHttpClient } from "@effect/platform"
import { Effect, Option, Predicate, Redacted } from "effect"
import type { TransportReason } from "../CozeError.js"

/**
 * Runs `effect` with the fetch client set not to follow redirects (other clients, like Node's `http`, never
 * do): the 3xx comes back as it is and the caller turns it into `Redirected`.
 */
export const noRedirects = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.flatMap(Effect.serviceOption(FetchHttpClient.RequestInit), (init) =>
    Effect.provideService(effect, FetchHttpClient.RequestInit, {
      ...Option.getOrElse(init, () => ({})),
      redirect: "manual"
    })
  )

/** Browsers answer a manual redirect with an opaque status 0; Node's fetch with the 3xx itself. */
export const isRedirect = (status: number): boolean => status === 0 || (status >= 300 && status < 400)

/** The `code`s (and error names) along a cause chain: fetch wraps the socket's error once or twice. */
const codesOf = (cause: unknown): Array<string> => {
  const codes: Array<string> = []
  let current: unknown = cause
  for (let depth = 0; depth < 6 && Predicate.isObject(current); depth++) {
    if (Predicate.hasProperty(current, "code") && typeof current.code === "string") codes.push(current.code)
    if (Predicate.hasProperty(current, "errors") && Array.isArray(current.errors)) {
      for (const inner of current.errors) codes.push(...codesOf(inner))
    }
    current = Predicate.hasProperty(current, "cause") ? current.cause : undefined
  }
  return codes
}

const dns = new Set(["ENOTFOUND", "EAI_AGAIN", "EAI_FAIL", "EAI_NONAME", "EAI_NODATA"])
const timeouts = new Set(["ETIMEDOUT", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"])
const resets = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED", "UND_ERR_SOCKET", "UND_ERR_CLOSED"])
const isTls = (code: string) =>
  /^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|HOSTNAME_MISMATCH|EPROTO$)/.test(code)

export interface Classified {
  readonly reason: TransportReason
  /** One line: what failed, naming the host. */
  readonly description: string
  readonly code?: string | undefined
}

const hostOf = (url: string): string => (URL.canParse(url) ? new URL(url).host : url)

/** Tells a transport failure of a request to `url` by its cause; never guesses. */
export const classify = (url: string, cause: unknown): Classified => {
  const codes = codesOf(cause)
  const host = hostOf(url)
  const find = (test: (code: string) => boolean) => codes.find(test)
  const dnsCode = find((code) => dns.has(code))
  if (dnsCode !== undefined)
    return { reason: "Dns", code: dnsCode, description: `the name ${host} did not resolve (${dnsCode})` }
  if (codes.includes("ECONNREFUSED"))
    return { reason: "Refused", code: "ECONNREFUSED", description: `the connection to ${host} was refused` }
  const tlsCode = find(isTls)
  if (tlsCode !== undefined)
    return { reason: "Tls", code: tlsCode, description: `TLS with ${host} failed (${tlsCode})` }
  const timeoutCode = find((code) => timeouts.has(code))
  if (timeoutCode !== undefined)
    return { reason: "Timeout", code: timeoutCode, description: `${host} did not answer in time (${timeoutCode})` }
  const resetCode = find((code) => resets.has(code))
  if (resetCode !== undefined) {
    return {
      reason: "Reset",
      code: resetCode,
      description: `the connection to ${host} was reset or closed before the answer was complete (${resetCode})`
    }
  }
  const detail = innermostMessage(cause)
  return { reason: "Other", description: `the request to ${url} failed${detail === undefined ? "" : `: ${detail}`}` }
}

/** The message of the deepest error along a cause chain ("fetch failed" says less than what it wraps). */
const innermostMessage = (cause: unknown): string | undefined => {
  let message: string | undefined
  let current: unknown = cause
  for (let depth = 0; depth < 6 && Predicate.isObject(current); depth++) {
    if (Predicate.hasProperty(current, "message") && typeof current.message === "string" && current.message !== "") {
      message = current.message
    }
    current = Predicate.hasProperty(current, "cause") ? current.cause : undefined
  }
  return message?.split("\n")[0]
}

/** The setting that chose `url`'s host, to name in a hint. */
export const settingHint = (reason: TransportReason, setting: string): string | undefined => {
  switch (reason) {
    case "Dns":
      return `check the host in ${setting} (e.g. https://api.coze.com or https://api.coze.cn)`
    case "Refused":
      return `check the host and port in ${setting}; nothing listens there`
    case "Tls":
      return `check ${setting} (its scheme and host) and the CA certificates; behind a proxy that inspects TLS, set NODE_EXTRA_CA_CERTS to its CA`
    default:
      return undefined
  }
}

/** A secret as the server may echo it: as sent, and percent-encoded. */
const forms = (secret: string): Array<string> => {
  const encoded = encodeURIComponent(secret)
  return encoded === secret ? [secret] : [secret, encoded]
}

/**
 * `text` with every secret of `secrets` replaced by `<redacted>`: a server echoing its request must not put
 * a secret into an error or a log. Secrets shorter than 4 characters are left alone (they would match
 * everywhere and are no secret).
 */
export const scrub = (text: string, secrets: ReadonlyArray<Redacted.Redacted<string> | string>): string => {
  let out = text
  for (const secret of secrets) {
    const value = Redacted.isRedacted(secret) ? Redacted.value(secret) : secret
    if (value.length < 4) continue
    for (const form of forms(value)) out = out.split(form).join("<redacted>")
  }
  return out
}
