import { PostgresAdapter, sql, type Kysely } from 'kysely'

// Giving: donations (private donor data lives here, never in the ledger),
// recurring gifts, and each payment-provider event recorded once.

export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter
  const idType = pg ? 'bigserial' : 'integer'
  const money = pg ? 'bigint' : 'integer'
  const id = (c: any) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement())

  await db.schema
    .createTable('recurring_gifts')
    .addColumn('id', idType, id)
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('provider_subscription_id', 'text', (c) => c.unique())
    .addColumn('provider_customer_id', 'text')
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending','active','canceled')`))
    .addColumn('donor_email', 'text', (c) => c.notNull())
    .addColumn('amount', money, (c) => c.notNull().check(sql`amount > 0`))
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('canceled_at', 'text')
    .execute()

  await db.schema
    .createTable('donations')
    .addColumn('id', idType, id)
    // Public, unguessable ids: public_id appears in the ledger export; tracking_code opens the trace page.
    .addColumn('public_id', 'text', (c) => c.notNull().unique())
    .addColumn('tracking_code', 'text', (c) => c.notNull().unique())
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .check(sql`status in ('pending','paid','failed','canceled','refunded','partially_refunded','disputed')`),
    )
    .addColumn('frequency', 'text', (c) => c.notNull().check(sql`frequency in ('once','monthly')`))
    .addColumn('designation', 'text', (c) =>
      c.notNull().check(sql`designation in ('campaign','general','sponsorship','wish')`),
    )
    .addColumn('campaign_id', 'integer', (c) => c.references('campaigns.id'))
    .addColumn('target_id', 'integer') // sponsorship or wish id, by designation
    .addColumn('fund', 'text', (c) => c.notNull())
    .addColumn('amount', money, (c) => c.notNull().check(sql`amount > 0`))
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('cover_fee', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('fee_amount', money)
    .addColumn('refunded_amount', money, (c) => c.notNull().defaultTo(0))
    .addColumn('donor_name', 'text', (c) => c.notNull())
    .addColumn('donor_email', 'text', (c) => c.notNull())
    .addColumn('display_mode', 'text', (c) => c.notNull().check(sql`display_mode in ('full','family','anonymous')`))
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('message', 'text')
    .addColumn('locale', 'text', (c) => c.notNull().defaultTo('zh-CN'))
    .addColumn('provider', 'text', (c) => c.notNull().check(sql`provider in ('stripe','demo','offline','import')`))
    .addColumn('checkout_idempotency_key', 'text', (c) => c.unique())
    .addColumn('provider_session_id', 'text', (c) => c.unique())
    .addColumn('provider_invoice_id', 'text', (c) => c.unique())
    .addColumn('provider_payment_intent_id', 'text')
    .addColumn('provider_charge_id', 'text')
    .addColumn('recurring_gift_id', 'integer', (c) => c.references('recurring_gifts.id'))
    // Offline and imported gifts: the bank reference or the statement row key, unique per source.
    .addColumn('source_ref', 'text', (c) => c.unique())
    .addColumn('client_key', 'text') // SHA-256 of the client IP, for rate limiting only
    .addColumn('recorded_by', 'integer', (c) => c.references('users.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('paid_at', 'text')
    .execute()
  await db.schema.createIndex('donations_campaign_paid').on('donations').columns(['campaign_id', 'paid_at']).execute()
  await db.schema.createIndex('donations_charge').on('donations').column('provider_charge_id').execute()
  await db.schema.createIndex('donations_payment_intent').on('donations').column('provider_payment_intent_id').execute()
  await db.schema
    .createIndex('donations_email_created')
    .on('donations')
    .columns(['donor_email', 'created_at'])
    .execute()
  await db.schema
    .createIndex('donations_client_created')
    .on('donations')
    .columns(['client_key', 'created_at'])
    .execute()

  await db.schema
    .createTable('payment_events')
    .addColumn('id', idType, id)
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addColumn('processed_at', 'text')
    .addColumn('outcome', 'text')
    .addUniqueConstraint('payment_events_unique', ['provider', 'event_id'])
    .execute()

  // Refund and dispute amounts per provider object, so each is computed from amounts, never a running total.
  await db.schema
    .createTable('donation_reversals')
    .addColumn('id', idType, id)
    .addColumn('donation_id', 'integer', (c) => c.notNull().references('donations.id'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('refund','dispute')`))
    .addColumn('provider_ref', 'text', (c) => c.notNull().unique())
    .addColumn('amount', money, (c) => c.notNull().check(sql`amount > 0`))
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('occurred_at', 'text', (c) => c.notNull())
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['donation_reversals', 'payment_events', 'donations', 'recurring_gifts'])
    await db.schema.dropTable(t).execute()
}
