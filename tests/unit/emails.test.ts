import { describe, expect, it } from 'vitest'
import { previewProps, renderEmail, templateNames, type EmailLocale } from '../../emails'

const locales: EmailLocale[] = ['zh-CN', 'en']

describe('email templates', () => {
  it('has the eight templates the issue asks for', () => {
    expect(templateNames.sort()).toEqual(
      [
        'annual-statement',
        'approval-request',
        'campaign-update',
        'donation-receipt',
        'gift-reached-student',
        'monthly-gift-canceled',
        'monthly-gift-receipt',
        'password-reset',
        'refund-notice',
        'sign-in-link',
        'sponsorship-update',
        'staff-invitation',
      ].sort(),
    )
  })

  for (const template of templateNames) {
    for (const locale of locales) {
      it(`${template} renders to HTML and text in ${locale}`, async () => {
        const mail = await renderEmail(template, locale, previewProps(template))
        expect(mail.subject.length).toBeGreaterThan(3)
        expect(mail.html).toMatch(/^<!DOCTYPE html/)
        expect(mail.html).toContain(`lang="${locale}"`)
        expect(mail.html).not.toContain('\u0000') // a streaming-render bug once put NULs inside CJK text
        expect(mail.text.length).toBeGreaterThan(50)
        expect(mail.text).not.toMatch(/<[a-z]/i)
        // Pure: the same props render the same markup.
        expect((await renderEmail(template, locale, previewProps(template))).html).toBe(mail.html)
      })
    }
  }

  it('the receipt calls itself a donation receipt and names the official receipt only when one is attached', async () => {
    for (const locale of locales) {
      const plain = await renderEmail('donation-receipt', locale, previewProps('donation-receipt'))
      expect(plain.html + plain.subject).toMatch(locale === 'en' ? /Donation receipt/ : /捐赠收据/)
      expect(plain.html + plain.text).not.toContain('公益事业捐赠票据')
      const official = await renderEmail('donation-receipt', locale, {
        ...previewProps('donation-receipt'),
        official: { code: '53010126', number: '00012345' },
      })
      expect(official.text).toContain('公益事业捐赠票据')
      expect(official.text).toContain('00012345')
    }
  })

  it('CNY receipts show the amount in Chinese capitals; other currencies do not', async () => {
    const cny = await renderEmail('donation-receipt', 'en', previewProps('donation-receipt'))
    expect(cny.text).toContain('壹仟贰佰叁拾肆元伍角整')
    const hkd = await renderEmail('donation-receipt', 'en', { ...previewProps('donation-receipt'), currency: 'HKD' })
    expect(hkd.text).toContain('HK$1,234.50')
    expect(hkd.text).not.toContain('元')
  })

  it('the receipt text carries the number, the trace link and the verification link', async () => {
    const p = previewProps('donation-receipt')
    const mail = await renderEmail('donation-receipt', 'zh-CN', p)
    for (const s of [p.receiptNumber, p.traceUrl, p.verifyUrl, p.pdfUrl]) expect(mail.text).toContain(s)
  })
})
