// coze-auth against its peer, the official Coze JS SDK (`@coze/api`), end to end against the emulator in its
// own process (packages/emulator/dist/bin.js), so the client's CPU per token is the benchmark process's alone:
//
// 1. A JWT token (sign + request + parse), one at a time and 8 in flight: JwtOAuth.token against
//    @coze/api's getJWTToken, with the default signer (WebCrypto, what the MCP server runs today) and with
//    @coze-auth/node's NodeJwtSigner, over FetchHttpClient; and, to show what the HTTP client costs, with
//    @effect/platform-node's NodeHttpClient (node:http) and its undici client. Target ≥ 1.2× the SDK.
// 2. A stampede: 1,000 callers wanting a token at once, Credentials against the cache a user would wrap
//    around getJWTToken (a token and its expiry in a variable; no single flight).
// 3. A refresh (rotating refresh token) over loopback through Credentials, against the same POST made with
//    bare node:http and bare fetch. Target: within 0.5 ms of node:http.

import * as Credentials from "@coze-auth/core/Credentials"
import * as JwtOAuth from "@coze-auth/core/JwtOAuth"
import * as Region from "@coze-auth/core/Region"
import * as TokenStore from "@coze-auth/core/TokenStore"
import * as EmulatorClient from "@coze-auth/emulator/EmulatorClient"
import * as NodeCoze from "@coze-auth/node/NodeCoze"
import * as NodeJwtSigner from "@coze-auth/node/NodeJwtSigner"
import { FetchHttpClient, HttpClient } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { Effect, type Layer, ManagedRuntime, Option, Redacted } from "effect"
import { fetchPost as fetchPostTo, nodeHttpPost } from "../shared/bare.js"
import { sdkJwtToken } from "../shared/cozeApi.js"
import { deviceLogin, memoryCredentials } from "../shared/device.js"
import * as Emulator from "../shared/emulator.js"
import { jwtApp } from "../shared/jwt.js"
import { measure, measureEffect, median, quick, report, runRounds, spread } from "../shared/measure.js"

const rounds = quick ? 3 : 9
const windowMs = quick ? 250 : 500
const inFlight = 8

const runtime = ManagedRuntime.make(Emulator.layer())
const emulator = await runtime.runPromise(EmulatorClient.EmulatorClient)
const region = Region.custom({ apiBase: emulator.url })
const { app, pem } = await runtime.runPromise(jwtApp(emulator))

// --- 1. a JWT token, end to end ------------------------------------------------------------------------------

const jwtOptions = { clientId: app.client_id, privateKey: Redacted.make(pem), publicKeyId: app.public_key_id!, region }
// Each HTTP client lives as long as the benchmark (the undici one owns a dispatcher).
const httpRuntimes = {
  fetch: ManagedRuntime.make(FetchHttpClient.layer),
  node: ManagedRuntime.make(NodeHttpClient.layer),
  undici: ManagedRuntime.make(NodeHttpClient.layerUndici),
  nodeCoze: ManagedRuntime.make(NodeCoze.layerHttpClient)
}
type HttpRuntime = ManagedRuntime.ManagedRuntime<HttpClient.HttpClient, never>
/** The runtime's client without Effect's tracing span per request (HttpClient.withTracerDisabledWhen). */
const untraced = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.provideServiceEffect(
    effect,
    HttpClient.HttpClient,
    Effect.map(
      HttpClient.HttpClient,
      HttpClient.withTracerDisabledWhen(() => true)
    )
  )
const jwtClient = (http: HttpRuntime, signer?: Layer.Layer<JwtOAuth.JwtSigner>, traced = true) => {
  const make = signer === undefined ? JwtOAuth.make(jwtOptions) : Effect.provide(JwtOAuth.make(jwtOptions), signer)
  return http.runPromise(traced ? make : untraced(make))
}

const clients = {
  fetch: await jwtClient(httpRuntimes.fetch),
  nodeSigner: await jwtClient(httpRuntimes.fetch, NodeJwtSigner.layer),
  nodeHttp: await jwtClient(httpRuntimes.node, NodeJwtSigner.layer),
  undici: await jwtClient(httpRuntimes.undici, NodeJwtSigner.layer),
  untraced: await jwtClient(httpRuntimes.undici, NodeJwtSigner.layer, false),
  nodeCoze: await jwtClient(httpRuntimes.nodeCoze, NodeJwtSigner.layer)
}
const sdkToken = sdkJwtToken({
  apiBase: emulator.url,
  clientId: app.client_id,
  publicKeyId: app.public_key_id!,
  privateKeyPem: pem
})

// Every variant's token is a real one: the emulator's API accepts it.
const accepted = async (accessToken: string) => {
  const response = await fetch(`${emulator.url}/v1/users/me`, { headers: { authorization: `Bearer ${accessToken}` } })
  if (response.status !== 200) throw new Error(`a benchmarked token was refused: HTTP ${response.status}`)
}
await accepted((await sdkToken()).access_token)
for (const client of Object.values(clients)) {
  await accepted(Redacted.value((await Effect.runPromise(client.token({ sessionName: "user-1" }))).accessToken))
}

const jwtVariants = (lanes: number) => ({
  sdk: () => measure(sdkToken, windowMs, lanes),
  fetch: () => measureEffect(clients.fetch.token({ sessionName: "user-1" }), windowMs, lanes),
  nodeSigner: () => measureEffect(clients.nodeSigner.token({ sessionName: "user-1" }), windowMs, lanes),
  nodeHttp: () => measureEffect(clients.nodeHttp.token({ sessionName: "user-1" }), windowMs, lanes),
  undici: () => measureEffect(clients.undici.token({ sessionName: "user-1" }), windowMs, lanes),
  untraced: () => measureEffect(clients.untraced.token({ sessionName: "user-1" }), windowMs, lanes),
  nodeCoze: () => measureEffect(clients.nodeCoze.token({ sessionName: "user-1" }), windowMs, lanes)
})
const jwtLabels = {
  sdk: "@coze/api getJWTToken (axios)",
  fetch: "JwtOAuth.token, WebCrypto, fetch (today's default)",
  nodeSigner: "JwtOAuth.token + NodeJwtSigner, fetch",
  nodeHttp: "JwtOAuth.token + NodeJwtSigner, NodeHttpClient",
  undici: "JwtOAuth.token + NodeJwtSigner, undici",
  untraced: "JwtOAuth.token + NodeJwtSigner, undici, untraced",
  nodeCoze: "JwtOAuth.token, NodeCoze (MCP server, CLI)"
}
const jwtComparisons = [
  ["WebCrypto + fetch / @coze/api (before)", "fetch", "sdk", 1.2],
  ["NodeJwtSigner + fetch / @coze/api", "nodeSigner", "sdk", 1.2],
  ["NodeJwtSigner + NodeHttpClient / @coze/api", "nodeHttp", "sdk", 1.2],
  ["NodeJwtSigner + undici / @coze/api", "undici", "sdk", 1.2],
  ["NodeJwtSigner + undici, untraced / @coze/api", "untraced", "sdk", 1.2],
  ["NodeCoze (NodeJwtSigner + node:http) / @coze/api", "nodeCoze", "sdk", 1.2]
] as const

console.log(`emulator in its own process at ${emulator.url}; ${rounds} rounds × ${windowMs} ms per variant`)
report(
  "JWT token end to end, one at a time",
  await runRounds(rounds, jwtVariants(1)),
  jwtLabels,
  jwtComparisons,
  "tokens/s"
)
report(
  `JWT token end to end, ${inFlight} in flight`,
  await runRounds(rounds, jwtVariants(inFlight)),
  jwtLabels,
  jwtComparisons,
  "tokens/s"
)

// --- 2. a stampede ---------------------------------------------------------------------------------------------

const callers = 1000
// Token requests are counted as they leave (the emulator's request log grows too long to fetch each round).
let sent = 0
const counted = async (run: () => Promise<unknown>) => {
  const before = sent
  const started = performance.now()
  await run()
  return { ms: performance.now() - started, requests: sent - before }
}

/** What a user writes around getJWTToken: keep the token until a minute before it expires. */
const naiveCache = () => {
  let cached: { readonly token: string; readonly expiresIn: number } | undefined
  return async () => {
    if (cached !== undefined && cached.expiresIn > Date.now() / 1000 + 60) return cached.token
    sent++
    const { access_token, expires_in } = await sdkToken()
    cached = { token: access_token, expiresIn: expires_in }
    return access_token
  }
}
/** A Credentials with nothing stored yet: its first callers mint (the same single flight as on expiry). */
const freshCredentials = () =>
  Effect.runPromise(
    Credentials.make({
      profile: "bench",
      source: Credentials.Source.Mint({
        mint: Effect.zipRight(
          Effect.sync(() => sent++),
          clients.nodeSigner.token()
        )
      })
    }).pipe(Effect.provideServiceEffect(TokenStore.TokenStore, TokenStore.makeMemory))
  )
// A thousand sockets at once can overflow the emulator's accept queue: failed callers are counted, not fatal.
let failures = 0
const everyone = async <A>(run: () => Promise<A>) => {
  for (const result of await Promise.allSettled(Array.from({ length: callers }, run))) {
    if (result.status === "rejected") failures++
  }
}

const stampede = { sdkLone: [] as Array<number>, sdk: [] as Array<number>, lone: [] as Array<number> }
const stampedeOf = { credentials: [] as Array<number> }
const requests = { sdk: new Set<number>(), credentials: new Set<number>() }
const failed = { sdk: 0, credentials: 0 }
for (let round = 0; round < (quick ? 1 : 3); round++) {
  stampede.sdkLone.push((await counted(naiveCache())).ms)
  const sdk = naiveCache()
  failures = 0
  const sdkRun = await counted(() => everyone(sdk))
  failed.sdk += failures
  stampede.sdk.push(sdkRun.ms)
  requests.sdk.add(sdkRun.requests)
  const lone = await freshCredentials()
  stampede.lone.push((await counted(() => Effect.runPromise(lone.token()))).ms)
  const credentials = await freshCredentials()
  failures = 0
  const run = await counted(() =>
    Effect.runPromise(
      Effect.all(
        Array.from({ length: callers }, () =>
          Effect.catchAll(credentials.token(), () => Effect.sync(() => failures++))
        ),
        { concurrency: "unbounded", discard: true }
      )
    )
  )
  failed.credentials += failures
  stampedeOf.credentials.push(run.ms)
  requests.credentials.add(run.requests)
}
const ms = (values: ReadonlyArray<number>) => `${median(values).toFixed(1).padStart(7)} ms`
console.log(`\n${callers} callers wanting a token at once (medians of ${stampede.sdk.length} rounds)`)
console.log(`  naive cache around getJWTToken, 1 caller              ${ms(stampede.sdkLone)}`)
console.log(
  `  naive cache around getJWTToken, ${callers} callers          ${ms(stampede.sdk)}, ${[...requests.sdk].join("/")} requests, ${failed.sdk} callers failed in all`
)
console.log(`  Credentials (NodeJwtSigner, fetch), 1 caller           ${ms(stampede.lone)}`)
console.log(
  `  Credentials (NodeJwtSigner, fetch), ${callers} callers       ${ms(stampedeOf.credentials)}, ${[...requests.credentials].join("/")} requests, ${failed.credentials} callers failed`
)
console.log(
  `  Credentials / naive cache, ${callers} callers: ${(median(stampede.sdk) / median(stampedeOf.credentials)).toFixed(1)}× faster`
)

// --- 3. a refresh over loopback --------------------------------------------------------------------------------

/** A device login: a refresh token to rotate from. */
const login = (client: HttpClient.HttpClient) =>
  runtime.runPromise(deviceLogin(emulator).pipe(Effect.provideService(HttpClient.HttpClient, client)))
const httpClientOf = (http: HttpRuntime) => http.runPromise(HttpClient.HttpClient)

const credentialsOver = async (http: HttpRuntime, traced = true) => {
  const { flow, token } = await login(
    await http.runPromise(traced ? HttpClient.HttpClient : untraced(HttpClient.HttpClient))
  )
  return Effect.runPromise(memoryCredentials(flow, token))
}

/** The same POST by hand: JSON body, JSON answer, the rotated refresh token kept for the next one. */
const bare = async (post: (body: string) => Promise<string>) => {
  const { clientId, token } = await login(await httpClientOf(httpRuntimes.fetch))
  let refreshToken = Redacted.value(Option.getOrThrow(token.refreshToken))
  return async () => {
    const answer = JSON.parse(
      await post(JSON.stringify({ grant_type: "refresh_token", client_id: clientId, refresh_token: refreshToken }))
    )
    if (typeof answer.refresh_token !== "string") throw new Error(`refresh failed: ${JSON.stringify(answer)}`)
    refreshToken = answer.refresh_token
  }
}
const tokenUrl = `${emulator.url}/api/permission/oauth2/token`
const nodeHttp = nodeHttpPost(tokenUrl)
const viaNodeHttp = nodeHttp.post
const viaFetch = fetchPostTo(tokenUrl)

const refreshers = {
  nodeHttp: await bare(viaNodeHttp),
  fetch: await bare(viaFetch),
  credentials: await credentialsOver(httpRuntimes.fetch),
  credentialsNode: await credentialsOver(httpRuntimes.node),
  credentialsUndici: await credentialsOver(httpRuntimes.undici, false),
  credentialsNodeCoze: await credentialsOver(httpRuntimes.nodeCoze),
  flow: await login(await httpClientOf(httpRuntimes.fetch))
}
let flowToken = refreshers.flow.token
const flowRefresh = Effect.suspend(() => refreshers.flow.flow.refresh(Option.getOrThrow(flowToken.refreshToken))).pipe(
  Effect.tap((renewed) =>
    Effect.sync(() => {
      flowToken = renewed
    })
  )
)
const refreshResults = await runRounds(rounds, {
  nodeHttp: () => measure(refreshers.nodeHttp, windowMs),
  fetch: () => measure(refreshers.fetch, windowMs),
  credentials: () => measureEffect(refreshers.credentials.refresh, windowMs),
  credentialsNode: () => measureEffect(refreshers.credentialsNode.refresh, windowMs),
  credentialsUndici: () => measureEffect(refreshers.credentialsUndici.refresh, windowMs),
  credentialsNodeCoze: () => measureEffect(refreshers.credentialsNodeCoze.refresh, windowMs),
  flow: () => measureEffect(flowRefresh, windowMs)
})
report(
  "a refresh over loopback (rotating refresh token), one at a time",
  refreshResults,
  {
    nodeHttp: "bare node:http POST (keep-alive) + JSON.parse",
    fetch: "bare fetch POST + JSON.parse",
    credentials: "Credentials.refresh, fetch (today's default)",
    credentialsNode: "Credentials.refresh, NodeHttpClient",
    credentialsUndici: "Credentials.refresh, undici, untraced",
    credentialsNodeCoze: "Credentials.refresh, NodeCoze (MCP server, CLI)",
    flow: "DeviceOAuth.refresh alone, fetch (no Credentials)"
  },
  [
    ["bare fetch / node:http", "fetch", "nodeHttp"],
    ["Credentials, fetch / node:http", "credentials", "nodeHttp"],
    ["Credentials, NodeHttpClient / node:http", "credentialsNode", "nodeHttp"],
    ["Credentials, undici untraced / node:http", "credentialsUndici", "nodeHttp"],
    ["Credentials, NodeCoze / node:http", "credentialsNodeCoze", "nodeHttp"],
    ["DeviceOAuth.refresh, fetch / node:http", "flow", "nodeHttp"]
  ],
  "refreshes/s"
)
const extraMs = (name: string) =>
  spread(
    refreshResults[name]!.map(
      (sample, round) => 1000 / sample.opsPerSecond - 1000 / refreshResults.nodeHttp![round]!.opsPerSecond
    ),
    3
  )
console.log(`  Credentials, fetch: ${extraMs("credentials")} ms above node:http per refresh (target ≤ 0.5 ms)`)
console.log(`  Credentials, NodeHttpClient: ${extraMs("credentialsNode")} ms above node:http per refresh`)
console.log(`  Credentials, undici untraced: ${extraMs("credentialsUndici")} ms above node:http per refresh`)
console.log(`  bare fetch: ${extraMs("fetch")} ms above node:http per refresh`)
// The target is client CPU: µs of CPU per refresh above node:http's, paired by round.
const extraCpu = (name: string) =>
  spread(
    refreshResults[name]!.map(
      (sample, round) => sample.cpuMicrosPerOp - refreshResults.nodeHttp![round]!.cpuMicrosPerOp
    ),
    0
  )
console.log(
  `  Credentials, NodeCoze (MCP server, CLI): ${extraMs("credentialsNodeCoze")} ms wall, ${extraCpu("credentialsNodeCoze")} µs CPU above node:http per refresh (target ≤ 500 µs CPU)`
)
console.log(`  Credentials, undici untraced: ${extraCpu("credentialsUndici")} µs CPU above node:http per refresh`)

nodeHttp.close()
await Promise.all([runtime, ...Object.values(httpRuntimes)].map((runtime) => runtime.dispose()))
