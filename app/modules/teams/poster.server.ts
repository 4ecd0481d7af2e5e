import QRCode from 'qrcode'
import { formatMoney } from '~/utils/money'
import type { PublicTeam } from './teams.server'

// The share poster of a team page: an SVG (a phone saves it; WeChat shows it) with the
// page's title, its campaign, the goal and a QR code of the page's address. Built from
// the public page's data only, so a hidden page has no poster either.

const escape = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)

/** Cut long text at a character count, so a line never runs off the poster. */
const clip = (s: string, max: number) =>
  Array.from(s).length > max
    ? Array.from(s)
        .slice(0, max - 1)
        .join('') + '…'
    : s

export async function teamPosterSvg(team: PublicTeam, url: string, labels: { scan: string; goal: string }) {
  const qr = await QRCode.toString(url, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' })
  // The QR's own <svg> is nested as an image of a fixed size inside the poster.
  const inner = qr.replace('<svg ', '<svg x="90" y="230" width="300" height="300" ')
  const lines = [
    `<text x="240" y="80" font-size="30" font-weight="bold" text-anchor="middle">${escape(clip(team.title, 16))}</text>`,
    `<text x="240" y="125" font-size="20" text-anchor="middle">${escape(clip(team.campaign.title, 22))}</text>`,
    `<text x="240" y="170" font-size="20" text-anchor="middle">${escape(labels.goal)} ${escape(formatMoney(team.goalAmount, team.currency))}</text>`,
    `<text x="240" y="200" font-size="16" text-anchor="middle" fill="#555">${escape(clip(team.ownerName, 20))}</text>`,
    `<text x="240" y="575" font-size="20" text-anchor="middle">${escape(labels.scan)}</text>`,
    `<text x="240" y="610" font-size="13" text-anchor="middle" fill="#555">${escape(url)}</text>`,
  ]
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<svg xmlns="http://www.w3.org/2000/svg" width="480" height="640" viewBox="0 0 480 640" font-family="sans-serif">',
    '<rect width="480" height="640" fill="#fffaf0"/>',
    ...lines,
    inner,
    '</svg>',
  ].join('\n')
}
