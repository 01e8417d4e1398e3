// A name taken by a racing write (another request, another node) meets the database's unique constraint:
// the REST answer is the client's 409 CB_ERR_HTTP_CONFLICT on either engine, never a 500.
import { expect } from 'chai';
import { toIsobarError } from '../../../services/rest/errors.js';

describe('rest errors: unique violations are conflicts', () => {
  for (const code of ['SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY', '23505']) {
    it(`maps ${code} to 409 CB_ERR_HTTP_CONFLICT`, () => {
      const err = toIsobarError(Object.assign(new Error('duplicate key'), { code }), 1024);
      expect(err.code).to.equal('CB_ERR_HTTP_CONFLICT');
      expect(err.status).to.equal(409);
    });
  }

  it('keeps other database failures internal', () => {
    const err = toIsobarError(Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' }), 1024);
    expect(err.code).to.equal('CB_ERR_INTERNAL');
  });
});
