import { redirect, type ActionFunctionArgs } from '@remix-run/node'
import { z } from 'zod'
import { locales } from '~/utils/i18n'
import { safeRedirect } from '~/utils/safe-redirect'

const LocaleForm = z.object({
  lng: z.enum(locales),
  // Only same-site paths: never redirect to another origin.
  redirectTo: z.unknown().transform((v) => safeRedirect(v, '/')),
})

export async function action({ request }: ActionFunctionArgs) {
  const parsed = LocaleForm.safeParse(Object.fromEntries(await request.formData()))
  if (!parsed.success) return new Response('Unsupported language', { status: 400 })
  return redirect(parsed.data.redirectTo, {
    headers: { 'Set-Cookie': `lng=${parsed.data.lng}; Path=/; Max-Age=31536000; SameSite=Lax` },
  })
}

export function loader() {
  return redirect('/')
}
