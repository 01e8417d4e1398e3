// What a call threw or a promise rejected with, so a test can assert on its `code`; fails when nothing was.

/** The error `fn` throws; throws itself when `fn` returns normally. */
export function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

/** The reason `p` rejects with; throws when it resolves. */
export async function rejectionOf(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}
