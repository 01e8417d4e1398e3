import { type Kysely, type Migration } from 'kysely';

/** Timers read their cron fields in a time zone of their own; existing timers keep UTC. */
export const timerTimezone012: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable('timers')
      .addColumn('timezone', 'text', (c) => c.notNull().defaultTo('UTC'))
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable('timers').dropColumn('timezone').execute();
  },
};
