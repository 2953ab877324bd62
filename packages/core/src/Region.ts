/**
 * Where a Coze credential lives: coze.com, coze.cn or a custom deployment (the emulator, a proxy).
 * The authorize page is on the www host; every API and token call goes to the api host.
 *
 * @since 0.1.0
 */
import { Config, ConfigError, Data, Either, Option } from "effect"

/**
 * @since 0.1.0
 * @category Models
 */
export class Region extends Data.Class<{
  readonly name: "com" | "cn" | "custom"
  readonly apiBase: string
  readonly wwwBase: string
}> {}

/**
 * coze.com, the international service (every official SDK's default).
 *
 * @since 0.1.0
 * @category Constructors
 */
export const com = new Region({ name: "com", apiBase: "https://api.coze.com", wwwBase: "https://www.coze.com" })

/**
 * coze.cn, the service in mainland China.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const cn = new Region({ name: "cn", apiBase: "https://api.coze.cn", wwwBase: "https://www.coze.cn" })

const trimSlash = (url: string) => url.replace(/\/+$/, "")

/**
 * A custom deployment. Without a www base, an `api.` host becomes `www.` (only the first label, unlike
 * coze-java) and any other host serves both roles (as the emulator does).
 *
 * @since 0.1.0
 * @category Constructors
 */
export const custom = (options: { readonly apiBase: string; readonly wwwBase?: string | undefined }): Region => {
  const apiBase = trimSlash(options.apiBase)
  if (options.wwwBase !== undefined) return new Region({ name: "custom", apiBase, wwwBase: trimSlash(options.wwwBase) })
  const url = URL.canParse(apiBase) ? new URL(apiBase) : undefined
  if (url === undefined || !url.hostname.startsWith("api."))
    return new Region({ name: "custom", apiBase, wwwBase: apiBase })
  url.hostname = `www.${url.hostname.slice(4)}`
  return new Region({ name: "custom", apiBase, wwwBase: trimSlash(url.toString()) })
}

/**
 * The region an api base (such as `COZE_API_BASE`) names: the well-known hosts map to `com` / `cn`.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const fromApiBase = (apiBase: string, wwwBase?: string | undefined): Region => {
  const base = trimSlash(apiBase)
  if (wwwBase === undefined && base === com.apiBase) return com
  if (wwwBase === undefined && base === cn.apiBase) return cn
  return custom({ apiBase: base, wwwBase })
}

/**
 * The other public region, named in hints: a credential from one region is rejected by the other.
 *
 * @since 0.1.0
 * @category Utils
 */
export const other = (region: Region): Region | undefined =>
  region.name === "com" ? cn : region.name === "cn" ? com : undefined

/**
 * A one-line hint for errors that a region mismatch can cause (4100/4101, `kid not been registred`).
 *
 * @since 0.1.0
 * @category Utils
 */
export const mismatchHint = (region: Region): string => {
  const alternative = other(region)
  return alternative === undefined
    ? `check that the credential was issued by ${region.apiBase} (COZE_API_BASE)`
    : `if this credential is from ${alternative.name === "cn" ? "coze.cn" : "coze.com"}, set COZE_API_BASE=${alternative.apiBase}`
}

/**
 * The JWT `aud` claim: the api host, with its port when it has one (coze-go and coze-py do the same).
 * Total: an api base that is no URL gives itself, and the token request then fails with a `ConfigError`.
 *
 * @since 0.1.0
 * @category Utils
 */
export const jwtAudience = (region: Region): string =>
  URL.canParse(region.apiBase) ? new URL(region.apiBase).host : region.apiBase

/**
 * Whether `url` parses as an absolute http(s) URL (a port out of range or a torn IPv6 host does not).
 *
 * @since 0.1.0
 * @category Utils
 */
export const isHttpUrl = (url: string): boolean => {
  if (!URL.canParse(url)) return false
  const { protocol } = new URL(url)
  return protocol === "https:" || protocol === "http:"
}

/** The public hosts and what each is for: a base URL naming one of them has exactly one right spelling. */
const knownHosts: Record<string, { readonly region: Region; readonly role: "api" | "www" }> = {
  "api.coze.com": { region: com, role: "api" },
  "www.coze.com": { region: com, role: "www" },
  "coze.com": { region: com, role: "www" },
  "api.coze.cn": { region: cn, role: "api" },
  "www.coze.cn": { region: cn, role: "www" },
  "coze.cn": { region: cn, role: "www" }
}

/**
 * What is wrong with a base URL setting (`COZE_API_BASE` for `role: "api"`, `COZE_WWW_BASE` for `"www"`, or
 * the console JSON's `coze_api_base` / `coze_www_base`), saying the value to use; `undefined` when it is fine.
 * Almost-right values of the public hosts (plain http, the other role's host, a path, spaces around it) are
 * caught here rather than passing as a custom deployment, which would lose the region's hints.
 *
 * @since 0.1.0
 * @category Utils
 */
export const baseUrlProblem = (value: string, role: "api" | "www"): string | undefined => {
  const trimmed = value.trim()
  const candidate = isHttpUrl(trimmed) ? trimmed : `https://${trimmed}`
  const known = isHttpUrl(candidate) ? knownHosts[new URL(candidate).hostname.toLowerCase()] : undefined
  const right = known === undefined ? undefined : role === "api" ? known.region.apiBase : known.region.wwwBase
  const use = (reason: string, suggestion: string | undefined) =>
    suggestion === undefined ? reason : `${reason}; use ${suggestion}`
  if (trimmed !== value) return use("has spaces around it", right ?? (isHttpUrl(trimmed) ? trimmed : undefined))
  if (!isHttpUrl(value))
    return use(
      "is not an http(s) URL",
      right ?? (role === "api" ? `a full URL such as ${cn.apiBase}` : `a full URL such as ${cn.wwwBase}`)
    )
  if (known === undefined || right === undefined || trimSlash(value) === right) return undefined
  const site = known.region.name === "cn" ? "coze.cn" : "coze.com"
  const hostOf = (role: "api" | "www") => (role === "api" ? "API host" : "web (authorize page) host")
  const url = new URL(value)
  if (known.role !== role) return use(`names the ${hostOf(known.role)} of ${site}, not its ${hostOf(role)}`, right)
  if (url.protocol === "http:") return use(`uses http; ${site} is served over https`, right)
  if (url.pathname !== "/" || url.search !== "") return use(`has a path; ${site}'s base is the host alone`, right)
  return use(`is not how ${site}'s ${hostOf(role)} is written`, right)
}

/**
 * The region chosen by `COZE_API_BASE` (default coze.com) and `COZE_WWW_BASE`, the names Coze's docs use.
 * Every faulty setting is reported, each with the value to use.
 *
 * @since 0.1.0
 * @category Config
 */
export const config: Config.Config<Region> = Config.all({
  apiBase: Config.option(Config.string("COZE_API_BASE")),
  wwwBase: Config.option(Config.string("COZE_WWW_BASE"))
}).pipe(
  Config.mapOrFail(({ apiBase, wwwBase }) => {
    const api = Option.getOrElse(apiBase, () => com.apiBase)
    const www = Option.getOrUndefined(wwwBase)
    const problems = [
      Option.map(Option.fromNullable(baseUrlProblem(api, "api")), (p) => ConfigError.InvalidData(["COZE_API_BASE"], p)),
      Option.map(Option.fromNullable(www === undefined ? undefined : baseUrlProblem(www, "www")), (p) =>
        ConfigError.InvalidData(["COZE_WWW_BASE"], p)
      )
    ].flatMap(Option.toArray)
    const [first, ...rest] = problems
    if (first !== undefined) return Either.left(rest.reduce((all, p) => ConfigError.And(all, p), first))
    return Either.right(fromApiBase(api, www))
  })
)
