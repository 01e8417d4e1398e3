import { expect } from 'chai';
import { thrownBy } from '../../helpers/errors.js';
import { assertValidName } from '../../../services/automation/record.js';

describe('trigger and timer records', () => {
  it('refuses names that cannot be a topic level', () => {
    for (const name of ['', 'a/b', 'a#', 'a+', ' lead', 'x::y', 'a'.repeat(129)]) {
      expect(thrownBy(() => assertValidName(name))).to.have.property('code', 'CB_ERR_TRIGGER_BAD_NAME');
    }
    expect(() => assertValidName('Nightly report-1')).not.to.throw();
  });
});
