/// <reference types="@remix-run/dev" />
/// <reference types="@remix-run/node" />

declare module '@remix-run/node' {
  interface AppLoadContext {
    cspNonce?: string
    /** req.ip from Express (honours X-Forwarded-For only behind the trusted proxy in production). */
    clientIp?: string
  }
  // remix.config.js turns single fetch on; this makes useLoaderData<typeof loader>() and
  // useActionData<typeof action>() infer what it sends (data() unwrapped, Dates kept).
  interface Future {
    v3_singleFetch: true
  }
}
export {}
