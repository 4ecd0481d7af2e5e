import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { useActionData, useLoaderData } from '@remix-run/react'
import { DonationForm } from '~/components/donation-form'
import { campaignEnded } from '~/modules/campaigns/open'
import { listActiveCampaigns, publicCampaignWindow } from '~/modules/campaigns/queries.server'
import { checkoutCookie } from '~/modules/donations/checkout-cookie.server'
import { startCheckout } from '~/modules/donations/checkout.server'
import { donationFormSchema, donationFieldErrors, type DonationLimits } from '~/modules/donations/schema'
import { alipayOffered, getAlipayProvider } from '~/modules/payments/alipay-config.server'
import { getPaymentProvider } from '~/modules/payments/index.server'
import { openidOf, wechatOauthConfigured } from '~/modules/payments/wechat-oauth.server'
import { getWechatpayProvider, wechatpayOffered } from '~/modules/payments/wechatpay-config.server'
import { givingTarget } from '~/modules/wishes/giving-target.server'
import { TeamCode } from '~/modules/teams/schema'
import { teamForForm } from '~/modules/teams/teams.server'
import { getDb } from '~/utils/db.server'
import { getEnv } from '~/utils/env.server'
import { formatDate, resolveLocale, pageTitle } from '~/utils/i18n'
import { formValues, refusalData, type RefusalBody } from '~/utils/http.server'
import { clientIp } from '~/modules/auth/authorize.server'
import { useT } from '~/utils/locale'
import { isRefusal } from '~/utils/refusal'

// Alipay and WeChat Pay have separate phone flows (手机网站支付, H5); WeChat's own browser
// takes WeChat Pay's QR code or JSAPI, not H5. The browser says which it is.
const MOBILE_BROWSER = /Mobi|Android|iPhone|iPad|HarmonyOS/i
const WECHAT_BROWSER = /MicroMessenger/i

function device(request: Request): 'desktop' | 'mobile' | 'wechat' {
  const ua = request.headers.get('user-agent') ?? ''
  return WECHAT_BROWSER.test(ua) ? 'wechat' : MOBILE_BROWSER.test(ua) ? 'mobile' : 'desktop'
}

function providerFor(method: 'card' | 'alipay' | 'wechatpay', db: ReturnType<typeof getDb>) {
  if (method === 'alipay') return getAlipayProvider()
  if (method === 'wechatpay') return getWechatpayProvider()
  return getPaymentProvider(db)
}

function limits(): DonationLimits {
  const env = getEnv()
  return { min: env.DONATION_MIN, max: env.DONATION_MAX, currencies: env.CURRENCIES }
}

export const meta: MetaFunction = ({ matches }) => [{ title: pageTitle(matches, 'donate.title') }]

export async function loader({ request }: LoaderFunctionArgs) {
  const url = new URL(request.url)
  // In WeChat's browser, the openid first (silent OAuth), so 微信支付 can be paid by JSAPI;
  // `wx` marks the way back, so a failed step falls back to the QR code instead of looping.
  if (device(request) === 'wechat' && wechatOauthConfigured(getEnv()) && !url.searchParams.has('wx'))
    if (!openidOf(request, getEnv()))
      throw redirect(`/donate/wechat-oauth?return=${encodeURIComponent(url.pathname + url.search)}`)
  const locale = resolveLocale(request)
  const now = new Date()
  // Past its end date (China time) a campaign is no longer offered, even before staff close it.
  const campaigns = (await listActiveCampaigns(getDb(), { locale })).filter(
    (c) => !campaignEnded({ ends_at: c.endsAt }, now),
  )
  const search = new URL(request.url).searchParams
  const requested = search.get('campaign')
  const selected = campaigns.find((c) => c.slug === requested)
  // A link to a closed or ended campaign says so on the form instead of quietly offering another.
  const asked = !selected && requested ? await publicCampaignWindow(getDb(), requested, now) : undefined
  const closed = asked?.state === 'closed'
  const endedOn = asked?.state === 'ended' && asked.endsAt ? formatDate(asked.endsAt, locale) : null
  // A micro-wish (only for the donor holding its 30-minute claim) or a 1+1 sponsorship.
  const target = await givingTarget(getDb(), search, locale)
  // A gift through a team page (/teams/<code>): only an open page of the selected campaign.
  const teamCode = TeamCode.safeParse(search.get('team') ?? '')
  const team = teamCode.success && selected ? await teamForForm(getDb(), teamCode.data, selected.slug) : null
  return {
    target,
    team,
    limits: limits(),
    defaultCurrency: getEnv().DEFAULT_CURRENCY,
    campaigns: campaigns.map((c) => ({ slug: c.slug, title: c.title })),
    selected: selected
      ? { slug: selected.slug, title: selected.title, suggestedAmounts: selected.suggestedAmounts }
      : null,
    closed,
    endedOn,
    demo: !getEnv().STRIPE_SECRET_KEY,
    alipay: alipayOffered() && getEnv().CURRENCIES.includes('CNY'),
    wechatpay: wechatpayOffered() && getEnv().CURRENCIES.includes('CNY'),
  }
}

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData()
  const values = formValues(form)
  const parsed = donationFormSchema(limits()).safeParse(values)
  if (!parsed.success)
    return data<RefusalBody & { values: typeof values }>(
      { errors: donationFieldErrors(parsed.error), values },
      { status: 400 },
    )
  if (
    (parsed.data.method === 'alipay' && !alipayOffered()) ||
    (parsed.data.method === 'wechatpay' && !wechatpayOffered())
  )
    return data<RefusalBody & { values: typeof values }>(
      { errors: { method: 'donate.error.method' }, values },
      { status: 400 },
    )
  const db = getDb()
  try {
    const env = getEnv()
    const { url, publicId } = await startCheckout(db, providerFor(parsed.data.method, db), parsed.data, {
      locale: resolveLocale(request),
      clientIp: clientIp(context),
      baseUrl: env.BASE_URL,
      device: device(request),
      openid: device(request) === 'wechat' ? (openidOf(request, env) ?? undefined) : undefined,
    })
    const cookie = checkoutCookie(publicId, { secret: env.SESSION_SECRET, baseUrl: env.BASE_URL })
    return redirect(url, { status: 303, headers: { 'Set-Cookie': cookie } })
  } catch (error) {
    if (isRefusal(error)) return refusalData(error, { values })
    console.error('checkout failed:', error)
    return data<RefusalBody & { values: typeof values }>({ error: 'donate.error.provider', values }, { status: 502 })
  }
}

export default function Donate() {
  const data = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const t = useT()
  return (
    <section>
      <h1>{t('donate.title')}</h1>
      {data.selected ? <p>{t('donate.for', { target: data.selected.title })}</p> : null}
      {data.closed ? (
        <p className="error-summary" role="alert">
          {t('donate.error.campaignClosed')}
        </p>
      ) : null}
      {data.endedOn ? (
        <p className="error-summary" role="alert">
          {t('donate.error.campaignEnded', { date: data.endedOn })}
        </p>
      ) : null}
      {data.target?.notice ? <p role="status">{t(data.target.notice)}</p> : null}
      {data.demo ? (
        <p className="demo-banner">
          <span className="demo-badge">{t('demo.badge')}</span> {t('demo.title')}
        </p>
      ) : null}
      <DonationForm
        limits={data.limits}
        defaultCurrency={data.defaultCurrency}
        campaigns={data.campaigns}
        selectedCampaign={data.selected?.slug ?? null}
        errors={result?.errors}
        formError={result?.error ? t(result.error, result.params) : undefined}
        errorParams={result?.params}
        values={result?.values ?? data.target?.values}
        target={data.target?.target}
        alipay={data.alipay}
        wechatpay={data.wechatpay}
        presets={data.selected?.suggestedAmounts}
        team={data.team}
      />
    </section>
  )
}
