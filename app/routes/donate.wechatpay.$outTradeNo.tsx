import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node'
import { Form, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { confirmWechatpayPayment, wechatpayPage } from '~/modules/donations/wechatpay-page.server'
import { getWechatpayProvider } from '~/modules/payments/wechatpay-config.server'
import { getDb } from '~/utils/db.server'
import { notFound } from '~/utils/http.server'
import { useLocale, useT } from '~/utils/locale'
import { formatMoney } from '~/utils/money'
import { useNonce } from '~/utils/nonce'

// 微信支付: the Native QR code (desktop), the JSAPI button (inside WeChat), and in the demo a
// labelled stand-in for the wallet (never in production: there is no demo provider there).
// "I have paid" asks WeChat Pay for the order, so a late notification does not keep the
// donor waiting; the demo's "Complete payment" sends the signed notification a wallet would.

export async function loader({ params }: LoaderFunctionArgs) {
  const page = await wechatpayPage(getDb(), getWechatpayProvider(), params.outTradeNo ?? '')
  if (!page) throw notFound()
  return { page }
}

export const headers = () => ({ 'Cache-Control': 'private, no-store' })

const Intent = z.object({ intent: z.enum(['check', 'pay', 'cancel']) })

export async function action({ request, params }: ActionFunctionArgs) {
  const parsed = Intent.safeParse(Object.fromEntries(await request.formData()))
  if (!parsed.success) return data({ notYet: false, error: 'intent' as const }, { status: 400 })
  const outTradeNo = params.outTradeNo ?? ''
  if (parsed.data.intent === 'cancel')
    return redirect(`/donate/cancelled?donation=${encodeURIComponent(outTradeNo)}`, 303)
  const outcome = await confirmWechatpayPayment(getDb(), getWechatpayProvider(), outTradeNo, {
    demoPay: parsed.data.intent === 'pay',
  })
  if (outcome === 'unknown') throw notFound()
  if (outcome === 'paid') return redirect(`/donate/thanks?donation=${encodeURIComponent(outTradeNo)}`, 303)
  return data({ notYet: true, error: null }, { status: 409 })
}

export default function WechatpayPay() {
  const { page } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const t = useT()
  const locale = useLocale()
  const nonce = useNonce()
  const thanks = `/donate/thanks?donation=${encodeURIComponent(page.publicId)}`
  return (
    <section className="form-narrow">
      {page.demo ? (
        <div className="demo-banner" role="note">
          <p>
            <span className="demo-badge">{t('demo.badge')}</span>
          </p>
          <h1>{t('demo.wechatpayTitle')}</h1>
          <p>{t('demo.wechatpayBody')}</p>
        </div>
      ) : (
        <h1>{t('wechatpay.title')}</h1>
      )}
      <p>
        {t('demo.amount')}: <strong>{formatMoney(page.amount, page.currency, locale)}</strong>
      </p>
      {!page.pending ? <p role="status">{t('wechatpay.closed')}</p> : null}
      {page.qrDataUrl ? (
        <figure className="wechatpay-qr">
          <img src={page.qrDataUrl} alt={t('wechatpay.qrAlt')} width={240} height={240} data-testid="wechatpay-qr" />
          <figcaption>{t('wechatpay.scan')}</figcaption>
        </figure>
      ) : null}
      {page.jsapi ? (
        <>
          <button type="button" className="button" id="wechatpay-jsapi">
            {t('wechatpay.jsapi')}
          </button>
          {/* WeChat's own browser provides WeixinJSBridge; the parameters are signed by the server. */}
          <script
            nonce={nonce}
            dangerouslySetInnerHTML={{
              __html: `document.getElementById('wechatpay-jsapi').addEventListener('click',function(){window.WeixinJSBridge&&WeixinJSBridge.invoke('getBrandWCPayRequest',${JSON.stringify(page.jsapi).replace(/</g, '\\u003c')},function(r){if(r.err_msg==='get_brand_wcpay_request:ok')location.href=${JSON.stringify(thanks)}})})`,
            }}
          />
        </>
      ) : null}
      {result?.notYet ? (
        <p className="error-summary" role="alert">
          {t('wechatpay.notYet')}
        </p>
      ) : null}
      {page.pending ? (
        <Form method="post" className="choice-row">
          {page.demo ? (
            <button type="submit" name="intent" value="pay" className="button">
              {t('demo.pay')}
            </button>
          ) : (
            <button type="submit" name="intent" value="check" className="button">
              {t('wechatpay.check')}
            </button>
          )}
          <button type="submit" name="intent" value="cancel" className="button secondary">
            {t('demo.cancel')}
          </button>
        </Form>
      ) : null}
    </section>
  )
}
