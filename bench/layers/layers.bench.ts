// Where the client CPU of a token request goes, layer by layer: the same refresh-token POST (a rotating refresh
// token, against the emulator in its own process) made with more and more of the stack, each variant its own
// refresh-token chain, in interleaved rounds. The difference in CPU per request between two neighbouring rows
// is what the layer added between them costs:
//
//   node:http → fetch → HttpClient (FetchHttpClient / NodeHttpClient / undici) execute + text, each with and
//   without Effect's tracing span per request (HttpClient.withTracerDisabledWhen), and NodeCoze's own client over
//   node:http (what the MCP server and the CLI run)
//   → Dialect.send (+ error mapping, 30 s timeout) → Dialect.coze.token (+ body, Schema decode, Token)
//   → retryUnprocessed (what DeviceOAuth.refresh is) → Credentials.refresh (+ single flight, store, lock)

import * as Dialect from "@coze-auth/core/Dialect"
import * as Region from "@coze-auth/core/Region"
import { retryUnprocessed } from "@coze-auth/core/Retry"
import * as EmulatorClient from "@coze-auth/emulator/EmulatorClient"
import * as NodeCoze from "@coze-auth/node/NodeCoze"
import { FetchHttpClient, HttpClient, HttpClientRequest } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { Effect, ManagedRuntime, Option, Redacted } from "effect"
import { fetchPost as fetchPostTo, nodeHttpPost } from "../shared/bare.js"
import { deviceLogin, memoryCredentials } from "../shared/device.js"
import * as Emulator from "../shared/emulator.js"
import { measure, measureEffect, median, quick, runRounds, type Sample } from "../shared/measure.js"

const rounds = quick ? 3 : 9
const windowMs = quick ? 250 : 400

const runtime = ManagedRuntime.make(Emulator.layer())
const emulator = await runtime.runPromise(EmulatorClient.EmulatorClient)
const region = Region.custom({ apiBase: emulator.url })
const tokenUrl = `${emulator.url}/api/permission/oauth2/token`
const clients = {
  fetch: ManagedRuntime.make(FetchHttpClient.layer),
  node: ManagedRuntime.make(NodeHttpClient.layer),
  undici: ManagedRuntime.make(NodeHttpClient.layerUndici),
  nodeCoze: ManagedRuntime.make(NodeCoze.layerHttpClient)
}
/** A client, with Effect's HTTP tracing span (and its trace headers) per request, or without it. */
const httpClient = (name: keyof typeof clients, traced = true) =>
  clients[name].runPromise(
    Effect.map(HttpClient.HttpClient, (client) =>
      traced ? client : HttpClient.withTracerDisabledWhen(client, () => true)
    )
  )

/** A device login: an app and a refresh token to rotate from. */
const login = () => runtime.runPromise(deviceLogin(emulator).pipe(Effect.provide(FetchHttpClient.layer)))

/** A refresh-token chain: `step` sends one request with the current refresh token and keeps the new one. */
const chain = async <E>(send: (body: string, clientId: string) => Effect.Effect<string, E> | Promise<string>) => {
  const { clientId, token } = await login()
  let refreshToken = Redacted.value(Option.getOrThrow(token.refreshToken))
  const keep = (text: string) => {
    const answer = JSON.parse(text)
    if (typeof answer.refresh_token !== "string") throw new Error(`refresh failed: ${text.slice(0, 200)}`)
    refreshToken = answer.refresh_token
  }
  const body = () => JSON.stringify({ grant_type: "refresh_token", client_id: clientId, refresh_token: refreshToken })
  return { body, clientId, keep, send }
}

const nodeHttp = nodeHttpPost(tokenUrl)
const viaNodeHttp = nodeHttp.post

const promiseChain = async (post: (body: string) => Promise<string>) => {
  const c = await chain(post)
  return () => post(c.body()).then(c.keep)
}

/** The platform client alone: execute + text, as Dialect.send does, without its error mapping and timeout. */
const httpClientChain = async (name: keyof typeof clients, traced = true) => {
  const client = await httpClient(name, traced)
  const c = await chain(() => Effect.succeed(""))
  return Effect.suspend(() =>
    client
      .execute(
        HttpClientRequest.post(tokenUrl).pipe(
          HttpClientRequest.acceptJson,
          HttpClientRequest.bodyText(c.body(), "application/json")
        )
      )
      .pipe(Effect.flatMap((response) => response.text))
  ).pipe(Effect.map(c.keep))
}

/** Dialect.send: the client, the error mapping and the timeout. */
const sendChain = async () => {
  const client = await httpClient("fetch")
  const c = await chain(() => Effect.succeed(""))
  return Effect.suspend(() =>
    Dialect.send(
      client,
      HttpClientRequest.post(tokenUrl).pipe(
        HttpClientRequest.acceptJson,
        HttpClientRequest.bodyText(c.body(), "application/json")
      )
    )
  ).pipe(Effect.map((answer) => c.keep(JSON.stringify(answer.body))))
}

/** Dialect.coze.token (the whole request and decoding), with or without the retry wrapper. */
const tokenChain = async (name: keyof typeof clients, retry: boolean, traced = true) => {
  const client = await httpClient(name, traced)
  const { clientId, token } = await login()
  let current = token
  const exchange = Dialect.coze.bind(Dialect.makeEndpoint(client, region))
  const once = Effect.suspend(() =>
    exchange.token(
      Dialect.Grant.RefreshToken({ clientId, refreshToken: Option.getOrThrow(current.refreshToken) }),
      "device"
    )
  )
  return (retry ? retryUnprocessed(once) : once).pipe(
    Effect.map((renewed) => {
      current = renewed
      return renewed
    })
  )
}

const credentialsChain = async () => {
  const { flow, token } = await login()
  return (await Effect.runPromise(memoryCredentials(flow, token))).refresh
}

const promise = (run: () => Promise<unknown>) => () => measure(run, windowMs)
const effect =
  <E>(run: Effect.Effect<unknown, E>) =>
  () =>
    measureEffect(run, windowMs)
const fetchPost = fetchPostTo(tokenUrl)

const layers: ReadonlyArray<readonly [name: string, label: string, sample: () => Promise<Sample>]> = [
  ["nodeHttp", "node:http POST + JSON.parse (the floor)", promise(await promiseChain(viaNodeHttp))],
  ["fetch", "fetch POST + JSON.parse", promise(await promiseChain(fetchPost))],
  ["httpFetch", "HttpClient FetchHttpClient execute + text", effect(await httpClientChain("fetch"))],
  ["httpNode", "HttpClient NodeHttpClient execute + text", effect(await httpClientChain("node"))],
  ["httpUndici", "HttpClient undici execute + text", effect(await httpClientChain("undici"))],
  ["httpFetchUntraced", "HttpClient FetchHttpClient, tracer disabled", effect(await httpClientChain("fetch", false))],
  ["httpUndiciUntraced", "HttpClient undici, tracer disabled", effect(await httpClientChain("undici", false))],
  ["httpNodeCoze", "HttpClient NodeCoze (node:http, untraced)", effect(await httpClientChain("nodeCoze"))],
  ["send", "Dialect.send, fetch (+ errors, timeout)", effect(await sendChain())],
  ["token", "Dialect exchange.token, fetch (+ body, decode)", effect(await tokenChain("fetch", false))],
  ["tokenUndici", "Dialect exchange.token, undici", effect(await tokenChain("undici", false))],
  [
    "tokenUndiciUntraced",
    "Dialect exchange.token, undici, tracer disabled",
    effect(await tokenChain("undici", false, false))
  ],
  ["retry", "retryUnprocessed(token), fetch = flow.refresh", effect(await tokenChain("fetch", true))],
  ["credentials", "Credentials.refresh, fetch (+ flight, store)", effect(await credentialsChain())]
]

const results = await runRounds(rounds, Object.fromEntries(layers.map(([name, , sample]) => [name, sample])))
console.log(`emulator in its own process; ${rounds} rounds × ${windowMs} ms per variant; medians`)
console.log(
  `  ${"".padEnd(50)} ${"req/s".padStart(6)} ${"CPU µs/req".padStart(11)} ${"Δ vs row above".padStart(15)} ${"Δ vs node:http".padStart(15)}`
)
const cpu = (name: string) => median(results[name]!.map((sample) => sample.cpuMicrosPerOp))
const paired = (name: string, base: string) =>
  median(results[name]!.map((sample, round) => sample.cpuMicrosPerOp - results[base]![round]!.cpuMicrosPerOp))
// The neighbour each row builds on.
const above: Record<string, string> = {
  fetch: "nodeHttp",
  httpFetch: "fetch",
  httpNode: "nodeHttp",
  httpUndici: "nodeHttp",
  send: "httpFetch",
  token: "send",
  tokenUndici: "httpUndici",
  httpFetchUntraced: "httpFetch",
  httpUndiciUntraced: "httpUndici",
  httpNodeCoze: "httpUndiciUntraced",
  tokenUndiciUntraced: "httpUndiciUntraced",
  retry: "token",
  credentials: "retry"
}
for (const [name, label] of layers) {
  const ops = median(results[name]!.map((sample) => sample.opsPerSecond))
  const delta = (base: string | undefined) =>
    base === undefined ? "" : `${paired(name, base) >= 0 ? "+" : ""}${paired(name, base).toFixed(0)}`
  console.log(
    `  ${label.padEnd(50)} ${ops.toFixed(0).padStart(6)} ${cpu(name).toFixed(0).padStart(11)} ${`${delta(above[name])}${above[name] === undefined ? "" : ` (${above[name]})`}`.padStart(15)} ${delta(name === "nodeHttp" ? undefined : "nodeHttp").padStart(15)}`
  )
}

nodeHttp.close()
await Promise.all([runtime, ...Object.values(clients)].map((r) => r.dispose()))
