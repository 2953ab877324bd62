export declare const redisServerPath: string
export declare const ensureRedis: () => boolean
export interface RedisServer {
  readonly url: string
  readonly port: number
  readonly kill: () => Promise<void>
  readonly start: () => Promise<void>
  readonly stop: () => Promise<void>
}
export declare const startRedisServer: (options?: { readonly persistent?: boolean }) => Promise<RedisServer>
