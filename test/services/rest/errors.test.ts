// The REST error mapping: what a client can cause answers a stable 4xx code, never 500 CB_ERR_INTERNAL.
import { expect } from 'chai';
import { errorBody, toIsobarError } from '../../../services/rest/errors.js';
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
