import { useOrganisation } from '~/components/organisation'
import { PLAN_FIELDS, type PlanField } from '~/modules/campaigns/schema'
import { organisationName } from '~/modules/organisation/schema'
import { useLocale, useT } from '~/utils/locale'

// The fundraising plan (募捐方案) a public appeal publishes, in a section of its own, with
// who runs the appeal and its public-fundraising certificate (from /admin/organisation).
// The plan is shown as filed (in Chinese); empty fields are left out.
export function CampaignPlan({ plan }: { plan: Record<PlanField, string> }) {
  const t = useT()
  const locale = useLocale()
  const org = useOrganisation()
  const organiser = organisationName(org, locale)
  const filled = PLAN_FIELDS.filter((f) => plan[f].trim())
  if (!filled.length && !org.fundraisingCertificate) return null
  return (
    <section aria-labelledby="plan" className="campaign-plan">
      <h2 id="plan">{t('campaigns.section.plan')}</h2>
      <dl className="record">
        {organiser ? (
          <div>
            <dt>{t('campaigns.field.organiser')}</dt>
            <dd>{organiser}</dd>
          </div>
        ) : null}
        {org.fundraisingCertificate ? (
          <div>
            <dt>{t('organisation.fundraisingCertificate')}</dt>
            <dd>{org.fundraisingCertificate}</dd>
          </div>
        ) : null}
        {filled.map((f) => (
          <div key={f}>
            <dt>{t(`campaigns.field.${f}`)}</dt>
            <dd lang="zh-CN">{plan[f]}</dd>
          </div>
        ))}
      </dl>
    </section>
  )
}
