// Imported first by an Alipay test file: makes the key files and sets ALIPAY_* before
// anything reads the environment (getEnv parses it once per test file).
import { alipayKeyFiles, FAKE_APP_ID, FAKE_SELLER_ID } from './fake-alipay'

export const alipayKeys = alipayKeyFiles()
process.env.ALIPAY_APP_ID = FAKE_APP_ID
process.env.ALIPAY_SELLER_ID = FAKE_SELLER_ID
process.env.ALIPAY_APP_PRIVATE_KEY_PATH = alipayKeys.appPrivatePath
process.env.ALIPAY_PUBLIC_KEY_PATH = alipayKeys.alipayPublicPath
