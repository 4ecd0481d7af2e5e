// Imported first by a WeChat Pay test file: makes the key files, starts the fake WeChat Pay
// on 127.0.0.1 and sets WECHATPAY_* before anything reads the environment (getEnv parses
// it once per test file), so the app's own getWechatpayProvider() talks to the fake.
import { FAKE_WX, FakeWechatpay, wechatpayKeyFiles } from './fake-wechatpay'

export const wechatpayKeys = wechatpayKeyFiles()
export const fakeWechatpay = await new FakeWechatpay(wechatpayKeys.platform, wechatpayKeys.merchant.publicKey).start()
process.env.WECHATPAY_MCHID = FAKE_WX.mchid
process.env.WECHATPAY_APPID = FAKE_WX.appid
process.env.WECHATPAY_API_V3_KEY = FAKE_WX.apiV3Key
process.env.WECHATPAY_MERCHANT_SERIAL = FAKE_WX.merchantSerial
process.env.WECHATPAY_MERCHANT_PRIVATE_KEY_PATH = wechatpayKeys.merchantPrivatePath
process.env.WECHATPAY_PLATFORM_SERIAL = FAKE_WX.platformSerial
process.env.WECHATPAY_PLATFORM_PUBLIC_KEY_PATH = wechatpayKeys.platformPublicPath
process.env.WECHATPAY_FEE_RATE_BPS = '60'
process.env.WECHATPAY_API_URL = fakeWechatpay.baseURL.replace(/\/$/, '')
