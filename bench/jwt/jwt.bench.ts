// Minting a service-app JWT through JwtOAuth's real signing path (key imported once, claims built, RS256
// signed) with each signer — core's default (jose over WebCrypto) and @coze-auth/node's NodeJwtSigner
// (node:crypto) — against signing the same claims with raw platform crypto in the same run, and against the
// official SDK's signing (@coze/api's getJWTToken: jsonwebtoken, the PEM parsed on every call).
//
// Baselines, each building the same claims (same keys, a fresh 32-byte jti) and signing with the same key:
// - node:crypto `createSign` (synchronous, on the main thread): the baseline, target ≥ 0.9×.
// - WebCrypto `crypto.subtle.sign` (asynchronous, on libuv's thread pool): the floor of any signer in a
//   core that may not import Node built-ins, so the cost of our own code (jose + claims + Effect) shows
//   on its own.
// - With several mints in flight (a server minting for many sessions at once): node:crypto's asynchronous
//   `crypto.sign(…, callback)` and WebCrypto, at the same concurrency.
//
// Shared machine (2 cores, other benches running): every round measures each variant for a short window,
// in a rotating order; each ratio is the median of the per-round ratios (variants measured side by side),
// and the ops/s shown are medians too (bench/shared/measure.ts).

import {
  createPrivateKey,
  createPublicKey,
  createSign,
  generateKeyPairSync,
  randomBytes,
  sign,
  verify
} from "node:crypto"
import { createRequire } from "node:module"
import * as JwtOAuth from "@coze-auth/core/JwtOAuth"
import * as Region from "@coze-auth/core/Region"
import * as NodeJwtSigner from "@coze-auth/node/NodeJwtSigner"
import { Effect, Redacted } from "effect"
import {
  measureEffect as measureEffectFor,
  measure as measureFor,
  quick,
  report,
  runRounds as runRoundsOf
} from "../shared/measure.js"

const rounds = Number(process.env.JWT_BENCH_ROUNDS ?? (quick ? 4 : 15))
const windowMs = Number(process.env.JWT_BENCH_MS ?? (quick ? 150 : 300))
const inFlight = Number(process.env.JWT_BENCH_IN_FLIGHT ?? 8)

// @coze/api's own signer, resolved from the SDK's dependencies (what getJWTToken calls).
const jsonwebtoken: {
  sign: (
    payload: object,
    key: string,
    options: { algorithm: "RS256"; keyid: string },
    callback: (error: Error | null, token?: string) => void
  ) => void
} = createRequire(import.meta.resolve("@coze/api"))("jsonwebtoken")

const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 })
const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString()
const clientId = "1127900106117.app.coze"
const publicKeyId = "_v0VjcMlLdQc3tRTD3jC5Xz29TUnKQOhtuD5k-gpyf4"
const region = Region.cn

const signerOptions = { clientId, privateKey: Redacted.make(pem), publicKeyId, region }
const viaJwtOAuth = (await Effect.runPromise(JwtOAuth.makeSigner(signerOptions)))({ sessionName: "user-1" })
const viaNodeSigner = (
  await Effect.runPromise(JwtOAuth.makeSigner(signerOptions).pipe(Effect.provide(NodeJwtSigner.layer)))
)({ sessionName: "user-1" })

// The raw baselines: the same claims, built plainly, then one signature call.
const key = createPrivateKey(pem)
const webKey = await crypto.subtle.importKey(
  "pkcs8",
  key.export({ type: "pkcs8", format: "der" }),
  { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
  false,
  ["sign"]
)
const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url")
const header = encode({ alg: "RS256", typ: "JWT", kid: publicKeyId })
const audience = Region.jwtAudience(region)
const signingInput = () => {
  const iat = Math.floor(Date.now() / 1000)
  const payload = encode({
    session_name: "user-1",
    iss: clientId,
    aud: audience,
    iat,
    exp: iat + 600,
    jti: randomBytes(32).toString("base64url")
  })
  return `${header}.${payload}`
}
const viaCreateSign = async () => {
  const input = signingInput()
  return `${input}.${createSign("RSA-SHA256").update(input).sign(key, "base64url")}`
}
const viaSubtle = async () => {
  const input = signingInput()
  const signature = await crypto.subtle.sign("RSASSA-PKCS1-v1_5", webKey, Buffer.from(input))
  return `${input}.${Buffer.from(signature).toString("base64url")}`
}
// getJWTToken's signing step: its claims (jti from its own generator, exp an hour out), the PEM as given.
const viaCozeApi = () =>
  new Promise<string>((resolve, reject) => {
    const iat = Math.floor(Date.now() / 1000)
    const claims = { iss: clientId, aud: audience, iat, exp: iat + 3600, jti: randomBytes(32).toString("base64url") }
    jsonwebtoken.sign({ ...claims, session_name: "user-1" }, pem, { algorithm: "RS256", keyid: publicKeyId }, (e, t) =>
      e || t === undefined ? reject(e) : resolve(t)
    )
  })
const viaCryptoSignAsync = () =>
  new Promise<string>((resolve, reject) => {
    const input = signingInput()
    sign("sha256", Buffer.from(input), key, (error, signature) =>
      error ? reject(error) : resolve(`${input}.${signature.toString("base64url")}`)
    )
  })

// The same work on every side: a verifiable RS256 JWT with the same header and claim names.
const publicKey = createPublicKey(key)
const shape = (jwt: string) => {
  const [head, body, signature] = jwt.split(".") as [string, string, string]
  if (!verify("sha256", Buffer.from(`${head}.${body}`), publicKey, Buffer.from(signature, "base64url"))) {
    throw new Error("signature does not verify")
  }
  const claims = JSON.parse(Buffer.from(body, "base64url").toString())
  return `${Buffer.from(head, "base64url").toString()} ${Object.keys(claims).sort().join(",")} ${claims.jti.length}`
}
const expected = shape(Redacted.value(await Effect.runPromise(viaJwtOAuth)))
const viaNodeSignerPromise = () => Effect.runPromise(viaNodeSigner).then(Redacted.value)
for (const run of [viaCreateSign, viaSubtle, viaCryptoSignAsync, viaNodeSignerPromise]) {
  if (shape(await run()) !== expected) throw new Error(`baselines differ: ${shape(await run())} vs ${expected}`)
}

console.log(`${rounds} rounds × ${windowMs} ms per variant; medians, ratios paired by round`)

const measure = (run: () => Promise<unknown>, lanes = 1) => measureFor(run, windowMs, lanes)
const measureEffect = (effect: Effect.Effect<unknown>, lanes = 1) => measureEffectFor(effect, windowMs, lanes)
const runRounds = (variants: Parameters<typeof runRoundsOf>[1]) => runRoundsOf(rounds, variants)

// The variants both measures share: the WebCrypto floor, JwtOAuth with each signer, and the peer's signing.
const signers = {
  subtle: "WebCrypto crypto.subtle.sign (async)",
  jwtOAuth: "JwtOAuth, default signer (jose, WebCrypto)",
  nodeSigner: "JwtOAuth + NodeJwtSigner (node:crypto)",
  cozeApi: "@coze/api signing (jsonwebtoken, PEM per call)"
}
const sharedVariants = (lanes: number) => ({
  subtle: () => measure(viaSubtle, lanes),
  jwtOAuth: () => measureEffect(viaJwtOAuth, lanes),
  nodeSigner: () => measureEffect(viaNodeSigner, lanes),
  cozeApi: () => measure(viaCozeApi, lanes)
})

const sequential = await runRounds({
  createSign: () => measure(viaCreateSign),
  ...sharedVariants(1)
})
report(
  "sequential (one mint at a time)",
  sequential,
  {
    createSign: "node:crypto createSign RSA-SHA256 (sync)",
    ...signers
  },
  [
    ["JwtOAuth + NodeJwtSigner / createSign", "nodeSigner", "createSign", 0.95],
    ["JwtOAuth default / createSign (before)", "jwtOAuth", "createSign", 0.95],
    ["JwtOAuth default / WebCrypto (our overhead)", "jwtOAuth", "subtle"],
    ["WebCrypto / createSign (the platform's floor)", "subtle", "createSign"],
    ["JwtOAuth + NodeJwtSigner / @coze/api", "nodeSigner", "cozeApi"]
  ]
)

const concurrent = await runRounds({
  cryptoSign: () => measure(viaCryptoSignAsync, inFlight),
  ...sharedVariants(inFlight)
})
report(
  `${inFlight} mints in flight`,
  concurrent,
  {
    cryptoSign: "node:crypto crypto.sign(…, callback) (async)",
    ...signers
  },
  [
    ["JwtOAuth + NodeJwtSigner / crypto.sign async", "nodeSigner", "cryptoSign", 0.95],
    ["JwtOAuth default / crypto.sign async (before)", "jwtOAuth", "cryptoSign", 0.95],
    ["JwtOAuth default / WebCrypto (our overhead)", "jwtOAuth", "subtle"],
    ["WebCrypto / crypto.sign async", "subtle", "cryptoSign"],
    ["JwtOAuth + NodeJwtSigner / @coze/api", "nodeSigner", "cozeApi"]
  ]
)
