/**
 * RSA private keys from PEM as PKCS#8 DER, what every signer imports: PKCS#8 as is, PKCS#1 (`BEGIN RSA PRIVATE
 * KEY`, what openssl and coze-js users often have) wrapped into PKCS#8 first. Pure code, so it runs anywhere.
 */
import { Effect, Redacted } from "effect"
import { ConfigError } from "../CozeError.js"

const derLength = (length: number): Array<number> =>
  length < 0x80
    ? [length]
    : length < 0x100
      ? [0x81, length]
      : length < 0x10000
        ? [0x82, length >> 8, length & 0xff]
        : [0x83, length >> 16, (length >> 8) & 0xff, length & 0xff]

const der = (tag: number, content: Uint8Array): Uint8Array<ArrayBuffer> =>
  Uint8Array.from([tag, ...derLength(content.length), ...content])

/** `SEQUENCE { OID rsaEncryption, NULL }` */
const rsaAlgorithm = [0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00]

/** PKCS#8 `PrivateKeyInfo { version 0, rsaEncryption, OCTET STRING pkcs1 }` around a PKCS#1 key. */
const pkcs1ToPkcs8 = (pkcs1: Uint8Array): Uint8Array<ArrayBuffer> =>
  der(0x30, Uint8Array.from([0x02, 0x01, 0x00, ...rsaAlgorithm, ...der(0x04, pkcs1)]))

const pemBlock = /-----BEGIN (RSA )?PRIVATE KEY-----([\s\S]*?)-----END \1?PRIVATE KEY-----/

const fromBase64 = (text: string): Uint8Array<ArrayBuffer> | undefined => {
  try {
    return Uint8Array.from(atob(text.replace(/\s+/g, "")), (char) => char.charCodeAt(0))
  } catch {
    return undefined
  }
}

const invalid = (setting: string, what: string) =>
  new ConfigError({
    description: `${setting} ${what}`,
    field: setting,
    hint: "use the private_key.pem downloaded from the Coze console (PKCS#8 or PKCS#1 PEM)"
  })

/**
 * The PKCS#8 DER of an RSA private key PEM; a PEM that is not a private key fails with a `ConfigError` naming
 * `setting` (never showing the key). Escaped newlines (`\n` in an env var) are accepted.
 */
export const pkcs8Of = (pem: Redacted.Redacted<string>, setting: string): Effect.Effect<Uint8Array, ConfigError> => {
  const match = pemBlock.exec(Redacted.value(pem).replace(/\\n/g, "\n"))
  const base64 = match?.[2]
  const body = base64 === undefined ? undefined : fromBase64(base64)
  if (match === null || body === undefined) return Effect.fail(invalid(setting, "is not a PEM private key"))
  return Effect.succeed(match[1] === undefined ? body : pkcs1ToPkcs8(body))
}

/** A key that parsed as PEM but that the signer refused. */
export const notRsaKey = (setting: string): ConfigError => invalid(setting, "is not a valid RSA private key")
