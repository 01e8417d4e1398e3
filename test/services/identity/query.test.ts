import { expect } from 'chai';
import { applyQuery, parseQuery } from '../../../services/identity/query.js';

const rows = [
  { email: 'a', n: 1 },
  { email: 'b', n: 2 },
  { email: 'c', n: 3 },
];

describe('identity list queries', () => {
  it('ORs groups of ANDed conditions', () => {
    const q = parseQuery(
      JSON.stringify({ FILTERS: [[{ GT: [{ n: 1 }] }, { LT: [{ n: 3 }] }], [{ EQ: [{ email: 'a' }] }]] }),
    );
    expect(applyQuery(rows, q).data.map((r) => r.email)).to.deep.equal(['a', 'b']);
  });

  it('pages after filtering and counts the total before paging', () => {
    expect(applyQuery(rows, { PAGESIZE: 2, PAGENUM: 2 })).to.deep.equal({ data: [rows[2]], total: 3 });
    expect(applyQuery(rows, {}).total).to.equal(3);
  });

  it('refuses what it does not understand with CB_ERR_IDENTITY_BAD_QUERY', () => {
    for (const text of [
      '{',
      '[]',
      '{"FILTERS":[[{"RE":[{"a":"b"}]}]]}',
      '{"FILTERS":{}}',
      '{"PAGESIZE":-1}',
    ]) {
      expect(() => applyQuery(rows, parseQuery(text)))
        .to.throw()
        .with.property('code', 'CB_ERR_IDENTITY_BAD_QUERY');
    }
  });
});
