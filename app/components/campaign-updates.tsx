import { Form } from '@remix-run/react'
import type { UpdateView } from '~/modules/campaigns/updates.server'
import { formatDate } from '~/utils/i18n'
import { useLocale, useT } from '~/utils/locale'

type Update = Pick<UpdateView, 'id' | 'title' | 'body' | 'approvedAt'> & {
  photos?: UpdateView['photos']
  campaign: Pick<UpdateView['campaign'], 'slug' | 'title' | 'titleEn'>
}

/** Approved progress updates, newest first; `withCampaign` names the campaign of each (donor portal). */
export function UpdateList({ updates, withCampaign = false }: { updates: Update[]; withCampaign?: boolean }) {
  const locale = useLocale()
  const t = useT()
  return (
    <ul className="update-list">
      {updates.map((u) => (
        <li key={u.id}>
          <article>
            <h3>{u.title}</h3>
            <p className="muted">
              {u.approvedAt ? formatDate(u.approvedAt, locale) : null}
              {withCampaign ? (
                <>
                  {' · '}
                  <a href={`/campaigns/${u.campaign.slug}`}>
                    {locale === 'en' ? u.campaign.titleEn : u.campaign.title}
                  </a>
                </>
              ) : null}
            </p>
            <p style={{ whiteSpace: 'pre-line', overflowWrap: 'anywhere' }}>{u.body}</p>
            <UpdatePhotos photos={u.photos ?? []} alt={t('updates.photoAlt')} />
          </article>
        </li>
      ))}
    </ul>
  )
}

/** An update's photos (only those whose child's consent covers photos now). */
export function UpdatePhotos({ photos, alt }: { photos: UpdateView['photos']; alt: string }) {
  if (!photos.length) return null
  return (
    <div className="update-photos">
      {photos.map((p) => (
        <img key={p.url} src={p.url} alt={alt} width={320} loading="lazy" />
      ))}
    </div>
  )
}

/** The public campaign page's section. */
export function CampaignUpdates({ updates }: { updates: Update[] }) {
  const t = useT()
  return (
    <section aria-labelledby="updates">
      <h2 id="updates">{t('updates.public.title')}</h2>
      {updates.length === 0 ? <p className="muted">{t('updates.public.none')}</p> : <UpdateList updates={updates} />}
    </section>
  )
}

/** The donor portal's section: updates of the campaigns given to, and the mail setting. */
export function DonorUpdates({ updates, subscribed }: { updates: Update[]; subscribed: boolean }) {
  const t = useT()
  return (
    <section aria-labelledby="updates" id="updates-section">
      <h2 id="updates">{t('updates.portal.title')}</h2>
      {updates.length === 0 ? (
        <p className="muted">{t('updates.portal.none')}</p>
      ) : (
        <UpdateList updates={updates} withCampaign />
      )}
      <Form method="post" className="form-narrow">
        <input type="hidden" name="intent" value="update-mails" />
        <p>{t(subscribed ? 'updates.portal.subscribed' : 'updates.portal.unsubscribed')}</p>
        <p className="muted">{t('updates.unsubscribe.note')}</p>
        <button type="submit" className="button" name="updateMails" value={subscribed ? 'off' : 'on'}>
          {t(subscribed ? 'updates.portal.turnOff' : 'updates.portal.turnOn')}
        </button>
      </Form>
    </section>
  )
}
