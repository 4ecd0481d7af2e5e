/// <reference types="@remix-run/dev" />
/// <reference types="@remix-run/node" />

declare module '@remix-run/node' {
  interface AppLoadContext {
    cspNonce?: string
    /** req.ip from Express (honours X-Forwarded-For only behind the trusted proxy in production). */
    clientIp?: string
  }
}
export {}
