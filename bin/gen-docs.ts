// Regenerates the generated parts of the docs from their sources of truth:
// the configuration table in README.md (from services/config/options.ts) and docs/errors.md (from the
// error catalogue). `npm run docs`; test/docs.test.ts fails when they are out of step.
import { readFileSync, writeFileSync } from 'node:fs';
import { configTable, errorsDoc } from '../services/docs.js';

const readmeUrl = new URL('../README.md', import.meta.url);
const readme = readFileSync(readmeUrl, 'utf8');
const start = '<!-- config-table:start -->';
const end = '<!-- config-table:end -->';
const a = readme.indexOf(start);
const b = readme.indexOf(end);
if (a < 0 || b < a) throw new Error('README.md lacks the config-table markers');
writeFileSync(readmeUrl, `${readme.slice(0, a + start.length)}\n${configTable()}\n${readme.slice(b)}`);
writeFileSync(new URL('../docs/errors.md', import.meta.url), errorsDoc());
