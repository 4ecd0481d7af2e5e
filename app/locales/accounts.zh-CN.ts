// Staff accounts: the first admin (npm run admin:create), passwords, invitations, the staff home.
export const accountsZhCN = {
  'adminCreate.adminExists': '已有在职管理员，未创建新管理员。若确需再添加一位，请加上 --another。',
  'adminCreate.emailTaken': '该电子邮箱已有账号。',
  'adminCreate.noSuchRoot': '找不到名为“{name}”的根工作站。',
  'adminCreate.stationCreated': '已创建根工作站“{station}”。',
  'adminCreate.stationFound': '使用现有根工作站“{station}”。',
  'adminCreate.done':
    '已为 {email} 创建管理员账号。请把下面的一次性链接交给本人，用于设置密码（{until} 前有效，只能使用一次）：',
} as const
