// The REST error mapping: what a client can cause answers a stable 4xx code, never 500 CB_ERR_INTERNAL.
import { expect } from 'chai';
import Fastify from 'fastify';
import { createErrorHandler, errorBody, toIsobarError } from '../../../services/rest/errors.js';
import { createManualClock } from '../../../services/kernel/clock.js';
import { createMemoryLog } from '../../../services/kernel/log.js';
import { IsobarError } from '../../../runtime-api/errors/index.js';

describe('REST error mapping', () => {
  const fastifyError = (code: string, statusCode: number): Error =>
    Object.assign(new Error(`${code} happened`), { code, statusCode });

  it('maps Fastify client errors without a code of their own to 400 CB_ERR_HTTP_BAD_REQUEST', () => {
    for (const [code, status] of [
      ['FST_ERR_CTP_INVALID_CONTENT_LENGTH', 400],
      ['FST_ERR_BAD_URL', 400],
      ['FST_ERR_ASYNC_CONSTRAINT', 400],
    ] as const) {
      const e = toIsobarError(fastifyError(code, status), 1024);
      expect(e.code, code).to.equal('CB_ERR_HTTP_BAD_REQUEST');
      expect(errorBody(e)).to.include({ statusCode: 400, code: 'CB_ERR_HTTP_BAD_REQUEST' });
    }
  });

  it('keeps the specific codes and still answers 500 for real faults', () => {
    expect(toIsobarError(fastifyError('FST_ERR_CTP_BODY_TOO_LARGE', 413), 1024).code).to.equal(
      'CB_ERR_HTTP_BODY_TOO_LARGE',
    );
    expect(toIsobarError(new TypeError('bug'), 1024).code).to.equal('CB_ERR_INTERNAL');
    const ours = new IsobarError('CB_ERR_CODE_RESPONSE_STATUS', { status: 101 });
    expect(toIsobarError(ours, 1024)).to.equal(ours);
    expect(errorBody(ours)).to.deep.equal({
      statusCode: 502,
      code: 'CB_ERR_CODE_RESPONSE_STATUS',
      error: 'Bad Gateway',
      message: 'Service response status 101 refused: only 200-599 may be set',
    });
  });
});

describe('REST error handler: throttled logins are held', () => {
  const throttledApp = (max: number, onHold: () => void) => {
    const clock = createManualClock();
    const app = Fastify();
    app.setErrorHandler(createErrorHandler(createMemoryLog(), 1024, { clock, holdMs: 1000, max, onHold }));
    app.post('/auth', () => {
      throw new IsobarError('CB_ERR_AUTH_THROTTLED', { retryAfter: 30 });
    });
    return { app, clock };
  };

  it('answers a throttled login only when its hold has passed, with Retry-After', async () => {
    let held!: () => void;
    const holding = new Promise<void>((resolve) => (held = resolve));
    const { app, clock } = throttledApp(4, () => held());
    let answered = false;
    const res = app.inject({ method: 'POST', url: '/auth' }).then((r) => ((answered = true), r));
    await holding;
    expect(answered).to.equal(false);
    expect(clock.pending).to.equal(1);
    clock.advance(1000);
    const r = await res;
    expect(r.statusCode).to.equal(429);
    expect(r.headers['retry-after']).to.equal('30');
    expect(r.json()).to.include({ code: 'CB_ERR_AUTH_THROTTLED' });
    await app.close();
  });

  it('beyond the bound of held answers, answers at once and closes the connection', async () => {
    let held!: () => void;
    const holding = new Promise<void>((resolve) => (held = resolve));
    const { app, clock } = throttledApp(1, () => held());
    const first = app.inject({ method: 'POST', url: '/auth' });
    await holding;
    const second = await app.inject({ method: 'POST', url: '/auth' });
    expect(second.statusCode).to.equal(429);
    expect(second.headers.connection).to.equal('close');
    clock.advance(1000);
    expect((await first).statusCode).to.equal(429);
    await app.close();
  });
});
