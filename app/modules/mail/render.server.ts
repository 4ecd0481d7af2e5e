import { isTemplateName, renderEmail, type EmailLocale, type RenderedEmail } from '../../../emails'
import type { MailOutboxTable } from '../../../db/tables/mail'

/** Render an outbox row as it will be (or was) sent. Templates are pure, so this is repeatable. */
export async function renderOutboxRow(
  row: Pick<MailOutboxTable, 'template' | 'locale' | 'props'>,
): Promise<RenderedEmail> {
  if (!isTemplateName(row.template)) throw new Error(`unknown email template ${row.template}`)
  const locale: EmailLocale = row.locale === 'en' ? 'en' : 'zh-CN'
  return renderEmail(row.template, locale, JSON.parse(row.props))
}
