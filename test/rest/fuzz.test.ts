import { expect } from 'chai';
import fc from 'fast-check';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

// DESIGN.md "Security model" (no 500 for anything a client can cause): a bounded fuzz of REST bodies generated from the platform's own OpenAPI document.
// For every operation it serves, random valid-ish and invalid path parameters, query strings, credentials
// and bodies go to a real platform; the property: never a 5xx, and every error answers
// {statusCode, code, error, message} with statusCode equal to the HTTP status.

type Schema = {
  readonly type?: string | readonly string[];
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly required?: readonly string[];
  readonly items?: Schema;
  readonly enum?: readonly unknown[];
  readonly $ref?: string;
  readonly minimum?: number;
  readonly maximum?: number;
};

interface Operation {
  readonly method: string;
  readonly path: string;
  readonly parameters: ReadonlyArray<{
    readonly in: string;
    readonly name: string;
    readonly schema?: Schema;
  }>;
  readonly body?: Schema;
}

interface Fixture {
  readonly systemKey: string;
  readonly systemSecret: string;
  readonly devToken: string;
  readonly userToken: string;
}

/** Runs per operation; ~110 operations answer in well under a minute together. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 12);

/** Operations whose success would end the fixture (log out, delete, change a key): fuzzed without valid credentials. */
const DESTRUCTIVE = /logout|pass|registration_key|systemmanagement/;

/** JSON values, small. */
const json = fc.jsonValue({ maxDepth: 3 });

/** An arbitrary for a value the schema describes, with a share of wrong-typed values mixed in. */
function fromSchema(
  schema: Schema | undefined,
  refs: Record<string, Schema>,
  depth = 0,
): fc.Arbitrary<unknown> {
  if (schema === undefined || depth > 4) return json;
  if (schema.$ref !== undefined) return fromSchema(refs[schema.$ref.split('/').pop() ?? ''], refs, depth + 1);
  const options: Array<fc.Arbitrary<unknown>> = [];
  if (schema.enum !== undefined) options.push(fc.constantFrom(...schema.enum));
  const types =
    schema.type === undefined ? [] : typeof schema.type === 'string' ? [schema.type] : schema.type;
  for (const type of types) {
    if (type === 'string')
      options.push(fc.string({ maxLength: 40 }), fc.constantFrom('', 'Echo', 'a/b', '#', '../x'));
    else if (type === 'integer')
      options.push(fc.integer({ min: (schema.minimum ?? -5) - 2, max: (schema.maximum ?? 100) + 2 }));
    else if (type === 'number') options.push(fc.double({ noNaN: true, noDefaultInfinity: true }));
    else if (type === 'boolean') options.push(fc.boolean());
    else if (type === 'null') options.push(fc.constant(null));
    else if (type === 'array')
      options.push(fc.array(fromSchema(schema.items, refs, depth + 1), { maxLength: 4 }));
    else if (type === 'object') {
      const props = Object.entries(schema.properties ?? {});
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, s] of props) model[k] = fromSchema(s, refs, depth + 1);
      options.push(
        fc.record(model, { requiredKeys: (schema.required ?? []).filter((k) => k in model) }),
        fc.record(model, { requiredKeys: [] }),
        fc.dictionary(fc.string({ maxLength: 8 }), json, { maxKeys: 4 }),
      );
    }
  }
  if (options.length === 0) return json;
  return fc.oneof({ weight: 4, arbitrary: fc.oneof(...options) }, { weight: 1, arbitrary: json });
}

describe('REST fuzz: bodies and parameters from the OpenAPI document', function () {
  this.timeout(90_000);
  let tp: TestPlatform;
  let fixture: Fixture;
  let operations: Operation[];
  let refs: Record<string, Schema>;

  before(async () => {
    tp = await startTestPlatform();
    const id = tp.platform.identity;
    const devToken = (await id.loginDeveloper(tp.config.admin.email, tp.config.admin.password ?? '')).token;
    const dev = id.verifyToken(devToken);
    const system = await id.createSystem(dev.id, { name: 'fuzz' });
    const user = await id.registerUser(system.systemKey, 'fuzz@example.com', 'Fuzz-pass-1!x');
    const userToken = (await id.issueUserToken(system.systemKey, user.user_id)).token;
    fixture = { systemKey: system.systemKey, systemSecret: system.systemSecret, devToken, userToken };
    const push = await fetch(`${tp.url}/admin/code/v/1/${system.systemKey}/Echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'ClearBlade-DevToken': devToken },
      body: JSON.stringify({ code: 'function Echo(req, resp) { resp.success(req.params); }' }),
    });
    expect(push.status, await push.text()).to.equal(200);
    const doc = (await (await fetch(`${tp.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { parameters?: Operation['parameters']; requestBody?: unknown }>>;
      components?: { schemas?: Record<string, Schema> };
    };
    refs = doc.components?.schemas ?? {};
    operations = [];
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const content = (op.requestBody as { content?: Record<string, { schema?: Schema }> } | undefined)
          ?.content;
        operations.push({
          method: method.toUpperCase(),
          path,
          parameters: op.parameters ?? [],
          body: content?.['application/json']?.schema,
        });
      }
    }
  });

  after(async () => {
    await tp.close({ removeData: true });
  });

  it('serves an OpenAPI document listing the platform operations', () => {
    expect(operations.length).to.be.greaterThan(50);
    expect(
      operations.some((o) => o.method === 'POST' && o.path === '/api/v/1/code/{systemKey}/{name}'),
    ).to.equal(true);
  });

  it('answers every generated request without a 5xx, errors as {statusCode, code, error, message}', async () => {
    const seen = new Map<number, number>();
    for (const op of operations) {
      const destructive = op.method === 'DELETE' || DESTRUCTIVE.test(op.path);
      const pathValue = (name: string) =>
        name === 'systemKey'
          ? fc.oneof(fc.constant(fixture.systemKey), fc.string({ maxLength: 32 }))
          : name === 'name'
            ? fc.oneof(fc.constant('Echo'), fc.string({ maxLength: 20 }))
            : fc.string({ maxLength: 20 });
      const params: Record<string, fc.Arbitrary<string>> = {};
      const query: Record<string, fc.Arbitrary<string>> = {};
      for (const p of op.parameters) {
        if (p.in === 'path') params[p.name] = destructive ? fc.string({ maxLength: 20 }) : pathValue(p.name);
        else if (p.in === 'query')
          query[p.name] = fc.oneof(
            fc.string({ maxLength: 20 }),
            fc.integer({ min: -3, max: 300 }).map(String),
          );
      }
      const credentials = destructive
        ? fc.constantFrom<Record<string, string>>({}, { 'ClearBlade-DevToken': 'not-a-token' })
        : fc.constantFrom<Record<string, string>>(
            { 'ClearBlade-DevToken': fixture.devToken },
            { 'ClearBlade-DevToken': fixture.devToken },
            { 'ClearBlade-UserToken': fixture.userToken },
            { 'ClearBlade-SystemKey': fixture.systemKey, 'ClearBlade-SystemSecret': fixture.systemSecret },
            {},
            { 'ClearBlade-UserToken': 'x'.repeat(300) },
          );
      const hasBody = op.method !== 'GET' && op.method !== 'DELETE';
      const body = hasBody
        ? fc.oneof(
            { weight: 5, arbitrary: fromSchema(op.body, refs).map((v) => JSON.stringify(v)) },
            { weight: 1, arbitrary: fc.string({ maxLength: 30 }) }, // not JSON at all
          )
        : fc.constant(undefined);
      await fc.assert(
        fc.asyncProperty(
          fc.record(params),
          fc.record(query, { requiredKeys: [] }),
          credentials,
          body,
          async (p, q, headers, payload) => {
            const path = op.path.replace(/\{(\w+)\}/g, (_, k: string) => encodeURIComponent(p[k] ?? ''));
            const search = new URLSearchParams(q as Record<string, string>).toString();
            const url = `${tp.url}${path}${search === '' ? '' : `?${search}`}`;
            // A request the platform never answers is a failure too: name it instead of timing the suite out.
            const res = await fetch(url, {
              method: op.method,
              headers: {
                ...headers,
                ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
              },
              body: payload,
              signal: AbortSignal.timeout(10_000),
            }).catch((err: unknown) => {
              throw new Error(
                `no answer: ${op.method} ${url} ${String(payload).slice(0, 200)} (${String(err)})`,
              );
            });
            // A live tail (server-sent events) answers 200 and never ends by design: its head is the answer.
            if (
              res.status === 200 &&
              (res.headers.get('content-type') ?? '').startsWith('text/event-stream')
            ) {
              await res.body?.cancel();
              seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
              return;
            }
            const text = await res.text();
            seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
            const where = `${op.method} ${path} ${String(payload).slice(0, 200)} → ${String(res.status)} ${text.slice(0, 300)}`;
            expect(res.status, where).to.be.below(500);
            if (res.status >= 400) {
              const err = JSON.parse(text) as Record<string, unknown>;
              expect(err, where).to.include.keys('statusCode', 'code', 'error', 'message');
              expect(err.statusCode, where).to.equal(res.status);
              expect(err.code, where).to.be.a('string');
              expect(err.error, where).to.be.a('string');
              expect(err.message, where).to.be.a('string');
            }
          },
        ),
        { numRuns: RUNS },
      );
    }
    if (process.env.FUZZ_DEBUG !== undefined) console.log([...seen].sort((a, b) => a[0] - b[0]));
    // The fuzz reached past validation: some requests succeeded and some were refused.
    expect(seen.get(200) ?? 0, JSON.stringify([...seen])).to.be.greaterThan(0);
    expect(
      [...seen.keys()].some((s) => s >= 400),
      JSON.stringify([...seen]),
    ).to.equal(true);
  });
});
