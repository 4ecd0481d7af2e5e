/** @type {import('@remix-run/dev').AppConfig} */
export default {
  // A route's server-only helpers sit beside it as <route>.server.ts (its action's intents):
  // flat routes would make them routes of their own.
  ignoredRouteFiles: ['**/.*', '**/*.test.{ts,tsx}', '**/*.server.{ts,tsx}'],
  serverModuleFormat: 'esm',
  serverDependenciesToBundle: [],
  future: {
    v3_fetcherPersist: true,
    v3_relativeSplatPath: true,
    v3_throwAbortReason: true,
    v3_lazyRouteDiscovery: true,
    v3_singleFetch: true,
  },
}
