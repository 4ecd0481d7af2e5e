// The zh-CN catalogue is the source of truth: en.ts must have exactly these keys.
// Large areas keep their messages in files of their own (giving.*.ts), merged here.
import { storyZhCN } from './story.zh-CN'
import { pickerZhCN } from './picker.zh-CN'
import { refundsZhCN } from './refunds.zh-CN'
import { consoleZhCN } from './console.zh-CN'
import { accountsZhCN } from './accounts.zh-CN'
import { financeZhCN } from './finance.zh-CN'
import { deskZhCN } from './desk.zh-CN'
import { givingZhCN } from './giving.zh-CN'
import { organisationZhCN } from './organisation.zh-CN'
import { portalZhCN } from './portal.zh-CN'
import { receiptsDeskZhCN } from './receipts-desk.zh-CN'
import { privacyZhCN } from './privacy.zh-CN'
import { staffZhCN } from './staff.zh-CN'
import { studentsZhCN } from './students.zh-CN'
import { transparencyZhCN } from './transparency.zh-CN'
import { updatesZhCN } from './updates.zh-CN'
import { teamsZhCN } from './teams.zh-CN'

import { matchingZhCN } from './matching.zh-CN'
export const zhCN = {
  ...storyZhCN,
  ...pickerZhCN,
  ...matchingZhCN,
  ...financeZhCN,
  ...consoleZhCN,
  ...accountsZhCN,
  ...deskZhCN,
  ...refundsZhCN,
  ...organisationZhCN,
  ...givingZhCN,
  ...portalZhCN,
  ...receiptsDeskZhCN,
  ...privacyZhCN,
  ...staffZhCN,
  ...studentsZhCN,
  ...transparencyZhCN,
  ...updatesZhCN,
  ...teamsZhCN,
  'app.name': '希望账本',
  'app.tagline': '每一元善款，都能追踪到它帮助的孩子',
  'nav.home': '首页',
  'nav.campaigns': '募捐项目',
  'nav.transparency': '公开透明',
  'nav.staffSignedIn': '工作台（已登录）',
  'nav.donorSignedIn': '捐赠人中心（已登录）',
  'nav.staff': '工作人员登录',
  'nav.language': '语言',
  'nav.switchTo': 'English',
  'footer.about': '希望账本是一个开源的公益捐赠与追踪平台。受助学生仅以化名编号公开。',
  'footer.receiptNote': '本平台出具的是“捐赠收据”，并非财政部门监制的公益事业捐赠票据。',
  'home.heroTitle': '让每一份善意都看得见去向',
  'home.heroBody': '你的捐赠进入指定的基金，按“先进先出”的公开规则分配给受助学生；每一笔账都记在可验证的公开账本上。',
  'home.campaignsTitle': '正在进行的募捐项目',
  'home.noCampaigns': '暂时没有进行中的募捐项目。',
  'home.waysTitle': '更多帮助方式',
  'home.sponsorBody': '结对资助一名学生一个学年：您会收到孩子的化名编号和经审核的书信。',
  'campaign.raised': '已筹',
  'campaign.goal': '目标',
  'campaign.donors': '{count} 位捐赠人',
  'campaign.progressNote': '已筹：已到账的捐赠总额；目标：本项目计划募集的金额；百分比为已筹占目标的比例。',
  'campaign.progressLabel': '筹款进度 {percent}%',
  'campaign.daysLeft': '剩余 {days} 天',
  'campaign.ended': '已结束',
  'campaign.donate': '我要捐赠',
  'error.notFoundTitle': '页面不存在',
  'error.notFoundBody': '你要找的页面不存在或已移动。',
  'error.genericTitle': '出错了',
  'error.genericBody': '服务暂时出现问题，请稍后再试。我们已记录此错误。',
  'error.backHome': '返回首页',
  'form.required': '此项必填',
  'verify.throttled': '此网络的尝试次数过多，请 15 分钟后再试。',
  'verify.title': '核验捐赠收据',
  'verify.intro': '输入收据上的编号和验证码，或扫描收据上的二维码。',
  'verify.number': '收据编号',
  'verify.code': '验证码',
  'verify.submit': '核验',
  'verify.invalid': '没有找到与这个编号和验证码相符的收据，请检查后重试。',
  'verify.valid': '这是希望账本出具的有效捐赠收据。',
  'verify.voided': '这张收据已于 {date} 作废。',
  'verify.replacedBy': '它已由收据 {number} 取代。',
  'verify.replaces': '它取代了已作废的收据 {number}。',
  'verify.amount': '金额',
  'verify.capitals': '人民币（大写）',
  'verify.date': '捐赠日期',
  'verify.issued': '开具日期',
  'verify.campaign': '捐赠用途',
  'verify.official': '本笔捐赠已开具公益事业捐赠票据：票据代码 {code}，票据号码 {number}。',
  'verify.privacy': '核验结果不显示捐赠人的任何个人信息。',
  'ledger.refusal.insufficient': '可用资金不足，未写入任何记录。',
  'ledger.refusal.conflict': '这笔记录已用同一编号提交过，但内容不同；未写入任何记录。',
  'ledger.refusal.input': '账本拒绝了这笔记录：它不符合记账规则。未写入任何记录。',
} as const
