import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { take } from '~/modules/auth/rate-limit.server'
import { claimWish, CLAIM_LIMIT, listPublicWishes, releaseWish } from '~/modules/wishes/wishes.server'
import { clientIp } from '~/modules/auth/authorize.server'
import { getDb } from '~/utils/db.server'
import { resolveLocale, pageTitle } from '~/utils/i18n'
import { useLocale, useT } from '~/utils/locale'
import { gradeLabel } from '~/utils/words'
import { refusalData } from '~/utils/http.server'
import { formatMoney } from '~/utils/money'
import { isRefusal, Refusal } from '~/utils/refusal'

// 微心愿: open wishes with only the item, a short story, the price, county, grade and the
// pseudonym. Claiming holds a wish for 30 minutes and leads into the giving flow.

export const meta: MetaFunction = ({ matches }) => [{ title: pageTitle(matches, 'wishes.title') }]

export async function loader({ request }: LoaderFunctionArgs) {
  const locale = resolveLocale(request)
  const wishes = await listPublicWishes(getDb(), { includeDone: true })
  return {
    wishes: wishes.map((w) => ({
      id: w.id,
      item: w.item,
      story: w.story,
      price: w.price,
      currency: w.currency,
      publicCode: w.publicCode,
      grade: w.grade,
      county: locale === 'en' ? w.countyEn : w.county,
      state: w.state,
    })),
  }
}

const ClaimForm = z.discriminatedUnion('intent', [
  z.object({ intent: z.literal('claim'), wishId: z.coerce.number().int().positive() }),
  z.object({ intent: z.literal('release'), wishId: z.coerce.number().int().positive(), token: z.string().max(100) }),
])

export async function action({ request, context }: ActionFunctionArgs) {
  const parsed = ClaimForm.safeParse(Object.fromEntries(await request.formData()))
  if (!parsed.success) return refusalData(new Refusal('wishes.error.unavailable'), { wishId: 0 })
  const f = parsed.data
  switch (f.intent) {
    case 'release':
      await releaseWish(getDb(), { wishId: f.wishId, token: f.token })
      return redirect('/wishes')
    case 'claim':
      // One client cannot hold every wish: a few claims per half hour.
      if (!(await take(getDb(), `wish-claim:${clientIp(context)}`, CLAIM_LIMIT)))
        return refusalData(new Refusal('wishes.error.tooMany', { status: 429 }), { wishId: f.wishId })
      try {
        const claim = await claimWish(getDb(), { wishId: f.wishId })
        return redirect(`/donate?wish=${f.wishId}&claim=${encodeURIComponent(claim.token)}`, 303)
      } catch (e) {
        if (isRefusal(e)) return refusalData(e, { wishId: f.wishId })
        throw e
      }
  }
}

export default function Wishes() {
  const { wishes } = useLoaderData<typeof loader>()
  const r = useActionData<typeof action>()
  const t = useT()
  const locale = useLocale()
  const open = wishes.filter((w) => w.state === 'open' || w.state === 'held')
  const done = wishes.filter((w) => w.state === 'funded' || w.state === 'fulfilled')
  const card = (w: (typeof wishes)[number]) => (
    <li key={w.id} className="card">
      <h2>{w.item}</h2>
      <p>{w.story}</p>
      <p className="muted">
        {t('wishes.for', { code: w.publicCode, county: w.county, grade: gradeLabel(w.grade, locale) })}
      </p>
      <p>
        {t('wishes.price')}: <strong>{formatMoney(w.price, w.currency, locale)}</strong>
      </p>
      {r?.error && r.wishId === w.id ? (
        <p className="field-error" role="alert">
          {t(r.error)}
        </p>
      ) : null}
      {w.state === 'open' ? (
        <Form method="post">
          <input type="hidden" name="intent" value="claim" />
          <input type="hidden" name="wishId" value={w.id} />
          <button type="submit" className="button">
            {t('wishes.claim')}
          </button>
        </Form>
      ) : (
        <p className="tag">
          {t(w.state === 'held' ? 'wishes.held' : w.state === 'funded' ? 'wishes.funded' : 'wishes.fulfilled')}
        </p>
      )}
    </li>
  )
  return (
    <section>
      <h1>{t('wishes.title')}</h1>
      <p>{t('wishes.intro')}</p>
      {open.length ? <ul className="card-grid">{open.map(card)}</ul> : <p>{t('wishes.none')}</p>}
      {done.length ? (
        <>
          <h2>{t('wishes.fulfilled')}</h2>
          <ul className="card-grid">{done.map(card)}</ul>
        </>
      ) : null}
    </section>
  )
}
