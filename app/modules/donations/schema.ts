// The donation form's schema, shared by the browser and the server (imports nothing server-only).
import { z } from 'zod'
import { fieldErrors } from '../../utils/field-errors'
import { isMessageKey } from '../../utils/i18n'
import { parseMoney } from '../../utils/money'
import { TEAM_CODE } from '../teams/schema'

/** Where a gift may go, as the form names it (a pool's gift is stored as 'general': checkout.server.ts). */
export const DESIGNATIONS = ['campaign', 'general', 'sponsorship', 'wish', 'pool'] as const
type FormDesignation = (typeof DESIGNATIONS)[number]
const isDesignation = (v: string | undefined): v is FormDesignation =>
  (DESIGNATIONS as readonly string[]).includes(v ?? '')

export const PRESET_AMOUNTS = [5000, 10000, 20000, 50000] as const // fen: ¥50, ¥100, ¥200, ¥500

/**
 * A phone as E.164 ("+8613800138000"), or undefined when it is not one: a mainland mobile
 * with or without +86, or any number written with its country code (+…).
 */
export function normalizePhone(raw: string): string | undefined {
  const v = raw.replace(/[\s\-().]/g, '')
  const mainland = /^(?:\+?86|0086)?(1[3-9]\d{9})$/.exec(v)
  if (mainland) return `+86${mainland[1]}`
  const international = /^(?:\+|00)([1-9]\d{6,14})$/.exec(v)
  return international ? `+${international[1]}` : undefined
}

export type DonationLimits = { min: number; max: number; currencies: readonly string[] }

/** Error messages are message keys; the form renders them in the reader's language. */
export function donationFormSchema(limits: DonationLimits) {
  // Every field is read as loose text first and checked in one pass below, so a
  // submission with several mistakes gets a message on each field at once.
  const text = z.string().optional().catch(undefined)
  const email = z.string().trim().toLowerCase().max(254).email()
  return z
    .object({
      amountChoice: text,
      customAmount: text,
      currency: text,
      frequency: text,
      designation: text,
      campaign: text,
      targetId: text,
      displayMode: text,
      name: text,
      email: text,
      message: text,
      coverFee: text,
      method: text,
      team: text,
      claim: text,
      phone: text,
    })
    .transform((v, ctx) => {
      const issue = (field: string, message: string) => ctx.addIssue({ code: 'custom', path: [field], message })
      if (!limits.currencies.includes(v.currency ?? '')) issue('currency', 'donate.error.currency')
      if (!['once', 'monthly'].includes(v.frequency ?? '')) issue('frequency', 'donate.error.frequency')
      if (!isDesignation(v.designation)) issue('designation', 'donate.error.designation')
      if (!['full', 'family', 'anonymous'].includes(v.displayMode ?? ''))
        issue('displayMode', 'donate.error.displayMode')
      const method = v.method || 'card'
      if (!['card', 'alipay', 'wechatpay'].includes(method)) issue('method', 'donate.error.method')
      // Alipay and WeChat Pay direct take one-time yuan gifts; monthly giving stays on Stripe cards.
      else if (method === 'alipay' && v.currency !== 'CNY') issue('method', 'donate.error.methodAlipayCurrency')
      else if (method === 'alipay' && v.frequency === 'monthly') issue('method', 'donate.error.methodAlipayMonthly')
      else if (method === 'wechatpay' && v.currency !== 'CNY') issue('method', 'donate.error.methodWechatpayCurrency')
      else if (method === 'wechatpay' && v.frequency === 'monthly')
        issue('method', 'donate.error.methodWechatpayMonthly')
      if (!email.safeParse(v.email ?? '').success) issue('email', 'donate.error.email')
      if ((v.name ?? '').trim().length > 80) issue('name', 'donate.error.nameLong')
      const phone = (v.phone ?? '').trim() ? normalizePhone(v.phone!.slice(0, 40)) : null
      if (phone === undefined) issue('phone', 'donate.error.phone')
      if ((v.message ?? '').trim().length > 500) issue('message', 'donate.error.messageLong')
      if (v.targetId !== undefined && v.targetId !== '' && !/^[1-9]\d{0,9}$/.test(v.targetId))
        issue('designation', 'donate.error.target')
      if (v.campaign !== undefined && v.campaign.length > 100) issue('campaign', 'donate.error.campaign')
      // A team page (一起捐) credits only a gift to its own campaign.
      const team = (v.team ?? '').trim().toUpperCase()
      if (team && (!TEAM_CODE.test(team) || v.designation !== 'campaign')) issue('team', 'teams.error.closed')
      const raw = (v.amountChoice && v.amountChoice !== 'custom' ? v.amountChoice : (v.customAmount ?? '')).trim()
      // Preset buttons carry minor units; the custom field is typed in yuan.
      const preset = Boolean(v.amountChoice && v.amountChoice !== 'custom')
      const amount = preset
        ? /^\d{1,15}$/.test(raw)
          ? Number(raw)
          : undefined
        : parseMoney(raw, limits.currencies.includes(v.currency ?? '') ? v.currency! : 'CNY')
      if (!raw) ctx.addIssue({ code: 'custom', path: ['customAmount'], message: 'donate.error.amountRequired' })
      else if (amount === undefined || !Number.isSafeInteger(amount))
        ctx.addIssue({ code: 'custom', path: ['customAmount'], message: 'donate.error.amountInvalid' })
      else if (amount < limits.min)
        ctx.addIssue({ code: 'custom', path: ['customAmount'], message: 'donate.error.amountMin' })
      else if (amount > limits.max)
        ctx.addIssue({ code: 'custom', path: ['customAmount'], message: 'donate.error.amountMax' })
      const name = (v.name ?? '').trim()
      if (v.designation === 'campaign' && !v.campaign)
        ctx.addIssue({ code: 'custom', path: ['campaign'], message: 'donate.error.campaign' })
      if (['sponsorship', 'wish', 'pool'].includes(v.designation ?? '') && !v.targetId) {
        ctx.addIssue({ code: 'custom', path: ['designation'], message: 'donate.error.target' })
      }
      if (v.displayMode && v.displayMode !== 'anonymous' && !name)
        ctx.addIssue({ code: 'custom', path: ['name'], message: 'donate.error.nameRequired' })
      return {
        amount: amount ?? 0,
        currency: v.currency!,
        frequency: v.frequency as 'once' | 'monthly',
        designation: v.designation as FormDesignation,
        campaignSlug: v.designation === 'campaign' ? (v.campaign ?? null) : null,
        targetId: v.targetId ? Number(v.targetId) : null,
        displayMode: v.displayMode as 'full' | 'family' | 'anonymous',
        name,
        email: email.safeParse(v.email ?? '').data ?? '',
        message: (v.message ?? '').trim() || null,
        coverFee: ['on', 'true', '1'].includes(v.coverFee ?? ''),
        method: method as 'card' | 'alipay' | 'wechatpay',
        team: team || null,
        /** A sponsor's link to its matching pool (app/modules/matching/sponsor-link.server.ts). */
        claim: (v.claim ?? '').trim().slice(0, 100) || null,
        /** E.164, or null: kept only as a keyed digest, for matching pools' per-donor caps. */
        phone: phone ?? null,
      }
    })
}

export type DonationInput = z.output<ReturnType<typeof donationFormSchema>>

/** Field → message key, first problem per field; zod's own messages become the field's `donate.error.*`. */
export const donationFieldErrors = (error: z.ZodError) =>
  fieldErrors(error, (field) => {
    const byField = `donate.error.${field}`
    return isMessageKey(byField) ? byField : 'donate.error.form'
  })
