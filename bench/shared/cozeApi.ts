// The peer: @coze/api's getJWTToken for a JWT app on the emulator, called as its README shows.

import { getJWTToken } from "@coze/api"
import * as Region from "@coze-auth/core/Region"

export const sdkJwtToken =
  (options: {
    readonly apiBase: string
    readonly clientId: string
    readonly publicKeyId: string
    readonly privateKeyPem: string
  }) =>
  () =>
    getJWTToken({
      baseURL: options.apiBase,
      appId: options.clientId,
      aud: Region.jwtAudience(Region.custom({ apiBase: options.apiBase })),
      keyid: options.publicKeyId,
      privateKey: options.privateKeyPem,
      sessionName: "user-1"
    })
