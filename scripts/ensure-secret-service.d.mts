export declare const ensureSecretService: () => boolean
export declare const startSecretService: () => Promise<{
  readonly env: {
    readonly DBUS_SESSION_BUS_ADDRESS: string
    readonly XDG_DATA_HOME: string
    readonly XDG_RUNTIME_DIR: string
  }
  readonly stop: () => Promise<void>
}>
