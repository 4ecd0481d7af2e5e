import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node'
import { clientIp, hasRootScope, requireStaff } from '~/modules/auth/authorize.server'
import type { RouteAccess } from '~/modules/auth/permissions'
import { CloseMonth, exportClose, frozenFile } from '~/modules/finance/close.server'
import { getDb } from '~/utils/db.server'
import { download, formValues, notFound } from '~/utils/http.server'
import { resolveLocale, translator, type MessageKey } from '~/utils/i18n'
import { isRefusal } from '~/utils/refusal'

// A monthly close's file. POST (finance, admin) exports it: the first export freezes the
// close, every later one returns the frozen bytes. GET downloads a frozen file only (a GET
// changes nothing), for anyone who may read the finance pages (auditors included).

export const access = { loader: 'donations.read', action: 'finance.close' } satisfies RouteAccess

function csv(file: string, month: string, sha256: string) {
  return download(file, {
    type: 'text/csv; charset=utf-8',
    filename: `close-${month}.csv`,
    // The accountant can check what they received against the page.
    headers: { 'X-Content-SHA256': sha256 },
  })
}

function refused(request: Request, key: MessageKey, status: number) {
  return new Response(translator(resolveLocale(request))(key), {
    status,
    headers: { 'Content-Type': 'text/plain; charset=utf-8' },
  })
}

async function answer(request: Request, month: unknown, run: (month: string) => Promise<Response>) {
  const parsed = CloseMonth.safeParse(month)
  if (!parsed.success) return refused(request, 'finance.close.error.month', 400)
  try {
    return await run(parsed.data)
  } catch (error) {
    if (isRefusal(error)) return refused(request, error.messageKey, error.status)
    throw error
  }
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.loader })
  if (!hasRootScope(staff, access.loader)) throw notFound()
  return answer(request, new URL(request.url).searchParams.get('month'), async (month) => {
    const f = await frozenFile(getDb(), { month, userId: staff.id, ip: clientIp(context) })
    return csv(f.file, month, f.sha256)
  })
}

export async function action({ request, context }: ActionFunctionArgs) {
  const staff = await requireStaff(request, { permission: access.action })
  if (!hasRootScope(staff, access.action)) throw notFound()
  const values = formValues(await request.formData())
  return answer(request, values.month, async (month) => {
    const f = await exportClose(getDb(), { month, userId: staff.id, ip: clientIp(context) })
    return csv(f.file, month, f.sha256)
  })
}
