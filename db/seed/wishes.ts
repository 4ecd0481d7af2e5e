import { fundOfWish } from '../../app/modules/ledger/accounts'
import { postAward, postPayout } from '../../app/modules/ledger/awards.server'
import { getBalance } from '../../app/modules/ledger/queries.server'
import { saveProof } from '../../app/modules/disbursements/uploads.server'
import { demoPdf } from './demo-pdf'
import { give } from './give'
import type { ScholarshipSeed } from './scholarships'

export async function seedWishes({ trx, ago, user, students, used }: ScholarshipSeed) {
  // Micro-wishes: open ones, one whose claim has expired, one fulfilled through the ledger.
  const wishStudents = students.filter((s, i) => !used.has(s.id) && i % 10 !== 9).slice(0, 5)
  const wishes = [
    { item: '一件冬季棉衣', story: '山里的冬天很冷，想要一件厚厚的棉衣，上学路上不再发抖。', price: 15000 },
    { item: '一个新书包', story: '旧书包的背带断了好几次，想要一个结实的书包装课本。', price: 9900 },
    { item: '一套绘画工具', story: '喜欢画画，想画出家乡的山和云。', price: 6800 },
    { item: '一双保暖棉鞋', story: '每天走很远的山路上学，想要一双暖和的鞋子。', price: 8800 },
    { item: '一本新华字典', story: '想有一本自己的字典，认识更多的字。', price: 3500 },
  ]
  for (const [i, s] of wishStudents.entries()) {
    const w = wishes[i]!
    const row = await trx
      .insertInto('wishes')
      .values({
        beneficiary_id: s.id,
        station_id: s.station_id,
        item: w.item,
        story: w.story,
        price: w.price,
        currency: 'CNY',
        status: 'open',
        hold_token: null,
        held_until: null,
        created_by: null,
        created_at: ago(60 * 24 * 10),
        fulfilled_by: null,
        fulfilled_at: null,
        proof_file_id: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    const id = Number(row.id)
    if (i === 1) {
      // Claimed long ago and never paid: the hold has expired, so the wish is open again.
      const token = `w_demo_expired_${id}`
      await trx
        .updateTable('wishes')
        .set({ hold_token: token, held_until: ago(60 * 24 * 2 - 30) })
        .where('id', '=', id)
        .execute()
      await trx
        .insertInto('wish_claims')
        .values({ wish_id: id, token, claimed_at: ago(60 * 24 * 2), expires_at: ago(60 * 24 * 2 - 30) })
        .execute()
    }
    if (i === 0) {
      const token = `w_demo_fulfilled_${id}`
      await trx
        .insertInto('wish_claims')
        .values({ wish_id: id, token, claimed_at: ago(60 * 24 * 5), expires_at: ago(60 * 24 * 5 - 30) })
        .execute()
      await give(trx, {
        fund: fundOfWish(id),
        designation: 'wish',
        targetId: id,
        amount: w.price,
        name: '黄美玲',
        email: 'demo-wish-donor@example.test',
        paidAt: ago(60 * 24 * 5 - 10),
      })
      const balance = await getBalance(trx, fundOfWish(id), 'CNY')
      const refs = { programme: 'micro-wish', wish: String(id) }
      await postAward(trx, {
        idempotencyKey: `wish-award:${id}`,
        fund: fundOfWish(id),
        beneficiaryId: s.id,
        beneficiaryCode: s.public_code,
        amount: balance,
        currency: 'CNY',
        occurredAt: ago(60 * 24 * 2),
        refs,
      })
      await postPayout(trx, {
        idempotencyKey: `wish-payout:${id}`,
        beneficiaryId: s.id,
        amount: balance,
        currency: 'CNY',
        occurredAt: ago(60 * 24 * 2),
        refs,
      })
      const proof = await saveProof(
        trx,
        {
          entityType: 'wish',
          entityId: id,
          bytes: demoPdf(`wish ${id}`),
          uploadedBy: user('caseworker.zhenxiong@hope.demo'),
        },
        new Date(ago(60 * 24 * 2)),
      )
      await trx
        .updateTable('wishes')
        .set({
          status: 'fulfilled',
          fulfilled_by: user('caseworker.zhenxiong@hope.demo'),
          fulfilled_at: ago(60 * 24 * 2),
          proof_file_id: proof.id,
        })
        .where('id', '=', id)
        .execute()
    }
  }
}
