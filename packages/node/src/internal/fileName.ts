/** The file a profile's credential lives in: its name, or an encoding of it that any file system accepts. */
import { createHash } from "node:crypto"

/** Names that are their own file name (the only ones earlier releases accepted). */
const plainName = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

const safeByte = /[A-Za-z0-9_-]/

/** Empty, or a control character (U+0000–U+001F, U+007F) somewhere. */
export const isUnusableName = (name: string): boolean =>
  name === "" || [...name].some((char) => char.charCodeAt(0) < 0x20 || char.charCodeAt(0) === 0x7f)

/** `FileTokenStore.fileStem`. */
export const fileStem = (profile: string): string => {
  if (plainName.test(profile)) return profile
  let encoded = "%"
  for (const byte of new TextEncoder().encode(profile)) {
    const char = String.fromCharCode(byte)
    encoded += byte < 0x80 && safeByte.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`
  }
  return encoded.length <= 200 ? encoded : `%~${createHash("sha256").update(profile).digest("hex")}`
}
