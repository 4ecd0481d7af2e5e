// The station forms, shared by browser and server.
import { z } from 'zod'
import { fieldErrors } from '~/utils/field-errors'

export const STATION_LEVELS = ['province', 'city', 'county', 'township', 'community'] as const
export type StationLevel = (typeof STATION_LEVELS)[number]

const id = z
  .string()
  .regex(/^\d{1,12}$/, 'stations.error.station')
  .transform(Number)
const name = z.string().trim().min(1, 'stations.error.required').max(100, 'stations.error.tooLong')

export const AddStation = z.object({
  intent: z.literal('add'),
  parentId: id,
  level: z.enum(STATION_LEVELS, { errorMap: () => ({ message: 'stations.error.level' }) }),
  name,
  nameEn: name,
  // 行政区划代码: 6 digits to county level, 9 for a township, 12 for a village or community.
  code: z
    .string()
    .trim()
    .regex(/^\d{6}(\d{3}){0,2}$/, 'stations.error.code'),
})
export const RenameStation = z.object({ intent: z.literal('rename'), stationId: id, name, nameEn: name })
export const StationCommand = z.object({
  intent: z.enum(['deactivate', 'reactivate', 'delete']),
  stationId: id,
})
export type AddStation = z.output<typeof AddStation>
export type RenameStation = z.output<typeof RenameStation>

export const StationIntent = z.enum(['add', 'rename', 'deactivate', 'reactivate', 'delete'], {
  errorMap: () => ({ message: 'stations.error.intent' }),
})

/** The first message per field; zod's own messages become the generic one. */
export const stationIssues = (error: z.ZodError) => fieldErrors(error, 'stations.error.invalid')
