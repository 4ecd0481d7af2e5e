// npm run emails:preview — every template in both locales, with its preview props,
// written to test-results/emails/<template>.<locale>.html and .txt for a look.
import fs from 'node:fs'
import path from 'node:path'
import { previewProps, renderEmail, templateNames, type EmailLocale } from '../../emails'

const outDir = path.resolve(process.argv[2] ?? 'test-results/emails')
fs.mkdirSync(outDir, { recursive: true })
const locales: EmailLocale[] = ['zh-CN', 'en']
for (const template of templateNames) {
  for (const locale of locales) {
    const mail = await renderEmail(template, locale, previewProps(template))
    const base = path.join(outDir, `${template}.${locale}`)
    fs.writeFileSync(`${base}.html`, mail.html)
    fs.writeFileSync(`${base}.txt`, `Subject: ${mail.subject}\n\n${mail.text}\n`)
    console.log(`${path.relative(process.cwd(), base)}.{html,txt}  ${mail.subject}`)
  }
}
