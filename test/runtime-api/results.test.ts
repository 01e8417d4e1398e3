import { expect } from 'chai';
import { clearBladeResults } from '../../runtime-api/results.js';

describe('clearBladeResults: results as REST and Code().execute show them', () => {
  it('keeps a service value (and its JSON type) when the platform did not end the run', () => {
    expect(clearBladeResults({ results: { a: 1 } })).to.deep.equal({ a: 1 });
    expect(clearBladeResults({ results: undefined })).to.equal(null);
  });

  it('keeps a thrown error bare as ClearBlade does ("<ErrorName>: <message>")', () => {
    const thrown = {
      results: 'TypeError: x',
      code: 'CB_ERR_SANDBOX_UNCAUGHT',
      message: 'TypeError: x',
    } as const;
    expect(clearBladeResults(thrown)).to.equal('TypeError: x');
  });

  it('joins the code and message of a run the platform ended or refused, once', () => {
    const ended = { results: null, code: 'CB_ERR_SANDBOX_DEPTH', message: 'too deep' } as const;
    expect(clearBladeResults(ended)).to.equal('CB_ERR_SANDBOX_DEPTH: too deep');
  });
});
