import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { take } from '~/modules/auth/rate-limit.server'
import { claimWish, CLAIM_LIMIT, listPublicWishes, releaseWish, WishError } from '~/modules/wishes/wishes.server'
import { clientIp } from '~/modules/auth/authorize.server'
import { getDb } from '~/utils/db.server'
import { resolveLocale, type MessageKey, pageTitle } from '~/utils/i18n'
import { useLocale, useT } from '~/utils/locale'
import { gradeLabel } from '~/utils/words'
import { formatMoney } from '~/utils/money'

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
  if (!parsed.success) return data({ error: 'wishes.error.unavailable' as MessageKey, wishId: 0 }, { status: 400 })
  if (parsed.data.intent === 'release') {
    await releaseWish(getDb(), { wishId: parsed.data.wishId, token: parsed.data.token })
    return redirect('/wishes')
  }
  // One client cannot hold every wish: a few claims per half hour.
  if (!(await take(getDb(), `wish-claim:${clientIp(context)}`, CLAIM_LIMIT))) {
    return data({ error: 'wishes.error.tooMany' as MessageKey, wishId: parsed.data.wishId }, { status: 429 })
  }
  try {
    const claim = await claimWish(getDb(), { wishId: parsed.data.wishId })
    return redirect(`/donate?wish=${parsed.data.wishId}&claim=${encodeURIComponent(claim.token)}`, 303)
  } catch (e) {
    if (e instanceof WishError)
      return data({ error: e.messageKey as MessageKey, wishId: parsed.data.wishId }, { status: 409 })
    throw e
  }
}

export default function Wishes() {
  const { wishes } = useLoaderData<typeof loader>()
  const r = useActionData<{ error: MessageKey; wishId: number }>()
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
      {r?.wishId === w.id ? (
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
