// An app process of the cluster bench: the production server (app/cli/server.ts, the entry
// `npm start` serves with) on the build plus one bare insert route (cluster-build.mjs).
import { serve } from '../../app/cli/server'

await serve({ buildPath: 'tests/bench/cluster-build.mjs' })
