// A donor's requests under PIPL (/admin/donors/<id>/privacy).
export const privacyZhCN = {
  'privacy.link': '个人信息请求（导出或删除）',
  'privacy.title': '个人信息请求：{email}',
  'privacy.back': '← 返回捐赠人',
  'privacy.intro':
    '依《个人信息保护法》，捐赠人可以要求查阅、复制或删除我们保存的个人信息。导出包含所有表中与其有关的记录；删除会抹去姓名、电子邮箱、留言和门户账户，账目与公开账本保持可验证。',
  'privacy.held': '保存的记录',
  'privacy.heldGifts': '捐赠 {n} 笔，收据 {receipts} 张，邮件 {mails} 封',
  'privacy.export': '下载全部数据（JSON）',
  'privacy.erase': '删除此捐赠人的个人信息',
  'privacy.eraseWarn': '删除后无法恢复。收据编号、金额和账本记录保留（会计法要求），但不再显示此人的姓名或邮箱。',
  'privacy.confirm': '请输入此捐赠人的电子邮箱以确认',
  'privacy.confirmWrong': '输入的邮箱与此捐赠人不符，未做任何删除。',
  'privacy.erased': '已删除：{donations} 笔捐赠的个人信息已抹去，公开账本中撤回姓名 {withdrawn} 处。',
  'privacy.keptInLedger': '另有 {n} 条早于账本第 2 版的记录仍含所公开的全名，无法从哈希链中撤回。',
}
