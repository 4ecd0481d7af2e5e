// Public names for what the ledger stores as codes: funds, programmes, counties.
// Only public columns are read (campaign titles, programme names, county station names).
import type { Kysely } from 'kysely'
import type { Database } from '../../../db/schema'
import type { Locale } from '../../utils/i18n'
import { fundOfCampaign } from '../ledger/accounts'
import { listCounties } from './places.server'

export type Names = {
  fund: (code: string) => string
  programme: (slug: string) => string
  county: (code: string) => string
  campaignOfFund: (code: string) => { id: number; slug: string } | undefined
  /** All sponsorship (or micro-wish) funds together, one row on the dashboard. */
  fundGroup: (kind: 'sponsorship' | 'wish', count: number) => string
}

const FIXED: Record<string, [string, string]> = {
  'fund:general': ['非限定基金', 'General fund'],
  'external:donors': ['捐赠人', 'Donors'],
  'external:fees': ['支付手续费', 'Payment fees'],
  'external:refunds': ['退款', 'Refunds'],
  'external:disputes': ['争议扣款', 'Disputes'],
}
// Programmes the ledger names that are not rows of `programmes` (wishes are paid from their own funds).
const FIXED_PROGRAMMES: Record<string, [string, string]> = { 'micro-wish': ['微心愿', 'Micro-wishes'] }

/** Account code → public name in the reader's language (students by pseudonym only). */
export async function loadNames(db: Kysely<Database>, locale: Locale): Promise<Names> {
  const en = locale === 'en'
  const [campaigns, programmes, counties, sponsored] = await Promise.all([
    db.selectFrom('campaigns').select(['id', 'slug', 'title', 'title_en']).where('status', '!=', 'draft').execute(),
    db.selectFrom('programmes').select(['slug', 'name', 'name_en']).execute(),
    listCounties(db),
    // A sponsorship's fund is named by its student's public pseudonym (never a name).
    db
      .selectFrom('sponsorships')
      .innerJoin('beneficiaries', 'beneficiaries.id', 'sponsorships.beneficiary_id')
      .select(['sponsorships.id', 'beneficiaries.public_code'])
      .execute(),
  ])
  const pseudonymOf = new Map(sponsored.map((r) => [String(r.id), r.public_code]))
  const byFund = new Map<string, (typeof campaigns)[number]>(campaigns.map((c) => [fundOfCampaign(c.id), c]))
  const byProgramme = new Map([
    ...Object.entries(FIXED_PROGRAMMES).map(([slug, n]) => [slug, n[en ? 1 : 0]] as const),
    ...programmes.map((p) => [p.slug, en ? p.name_en : p.name] as const),
  ])
  return {
    fund(code) {
      const fixed = FIXED[code]
      if (fixed) return fixed[en ? 1 : 0]
      const c = byFund.get(code)
      if (c) return (en && c.title_en) || c.title
      const m = /^(fund:(?:sponsorship|wish)|payable:beneficiary|paid:beneficiary):(\d+)$/.exec(code)
      if (m?.[1] === 'fund:sponsorship') {
        const pseudonym = pseudonymOf.get(m[2]!)
        if (pseudonym) return en ? `Hope Star 1+1 sponsorship of ${pseudonym}` : `希望之星 1+1 结对资助：${pseudonym}`
        return en ? `Sponsorship fund ${m[2]}` : `结对资助基金 ${m[2]}`
      }
      if (m?.[1] === 'fund:wish') return en ? `Micro-wish fund ${m[2]}` : `微心愿基金 ${m[2]}`
      if (code === 'payable') return en ? 'Awarded, awaiting payout' : '已资助待发放'
      if (code === 'paid') return en ? 'Paid to students' : '已发放给学生'
      const campaign = /^fund:campaign:(\d+)$/.exec(code)
      if (campaign) return en ? `Campaign fund ${campaign[1]}` : `募捐项目基金 ${campaign[1]}`
      const pool = /^fund:match:(\d+)$/.exec(code)
      if (pool) return en ? `Matching pool ${pool[1]}` : `配捐资金池 ${pool[1]}`
      return code
    },
    programme: (slug) => (slug ? (byProgramme.get(slug) ?? slug) : en ? 'No programme named' : '未指定项目'),
    county: (code) => {
      const c = counties.get(code)
      return c ? (en ? c.nameEn : c.name) : en ? 'Unknown county' : '未知县'
    },
    fundGroup: (kind, count) =>
      kind === 'sponsorship'
        ? en
          ? `Sponsorship funds (${count})`
          : `结对资助基金（${count} 个）`
        : en
          ? `Micro-wish funds (${count})`
          : `微心愿基金（${count} 个）`,
    campaignOfFund: (code) => {
      const c = byFund.get(code)
      return c ? { id: c.id, slug: c.slug } : undefined
    },
  }
}
