import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { configTable, errorsDoc } from '../services/docs.js';

describe('generated docs', () => {
  it('docs/errors.md matches the error catalogue (run `npm run docs`)', () => {
    expect(readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8')).to.equal(errorsDoc());
  });

  it('the README configuration table matches the option table (run `npm run docs`)', () => {
    expect(readFileSync(new URL('../README.md', import.meta.url), 'utf8')).to.contain(configTable());
  });
});
