import { PLAN_FIELDS, type PlanField } from '~/modules/campaigns/schema'
import { useT } from '~/utils/locale'

// The fundraising plan (募捐方案) a public appeal publishes, in a section of its own.
// The text is shown as filed (in Chinese); empty fields are left out.
export function CampaignPlan({ plan }: { plan: Record<PlanField, string> }) {
  const t = useT()
  const filled = PLAN_FIELDS.filter((f) => plan[f].trim())
  if (!filled.length) return null
  return (
    <section aria-labelledby="plan" className="campaign-plan">
      <h2 id="plan">{t('campaigns.section.plan')}</h2>
      <dl className="record">
        {filled.map((f) => (
          <div key={f}>
            <dt>{t(`campaigns.field.${f}`)}</dt>
            <dd lang="zh-CN">{plan[f]}</dd>
          </div>
        ))}
      </dl>
      {/* ORGANISATION-CERTIFICATE: the operate branch adds the 公开募捐资格证书 number from
          /admin/organisation; render it here beside the filing number when it lands. */}
    </section>
  )
}
