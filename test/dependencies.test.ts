import fs from 'node:fs';
import path from 'node:path';

/**
 * Dependencies point one way: Slack listeners → services → ISC client and store. A service that
 * imported a listener or the presenter (as notify/ once did) would tie background work to Slack's
 * request cycle and make an import circle. Type-only imports count too: they are design dependencies.
 */
const SRC = path.join(__dirname, '..', 'src');

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return filesUnder(full);
    return e.name.endsWith('.ts') ? [full] : [];
  });
}

/** The src-relative modules a file imports (relative specifiers only), e.g. `slack/presenter`. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\brequire\s*\(\s*|^import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm)].map((m) => m[1]);
  return specifiers.map((s) => path.relative(SRC, path.resolve(path.dirname(file), s)).split(path.sep).join('/'));
}

/** The top-level part of src a module belongs to: `notify`, `slack`, `config`… */
const area = (module: string) => module.replace(/\.ts$/, '').split('/')[0];

function violations(files: string[], forbidden: string[]): string[] {
  return files.flatMap((file) =>
    importsOf(file)
      .filter((m) => forbidden.includes(area(m)))
      .map((m) => `${path.relative(SRC, file)} imports ${m}`),
  );
}

const under = (...dirs: string[]) => dirs.flatMap((d) => filesUnder(path.join(SRC, d)));

it('services, the store and the ISC client import nothing from the Slack listeners', () => {
  expect(violations(under('workitems', 'notify', 'digest', 'auth', 'store', 'isc'), ['slack'])).toEqual([]);
});

it('the Block Kit builders and config.ts import nothing from digest/ or notify/', () => {
  expect(violations([...under('blocks'), path.join(SRC, 'config.ts')], ['digest', 'notify'])).toEqual([]);
});

it('src/metrics is a leaf (prom-client only), so the ISC client, the store and the services can record through it', () => {
  expect(under('metrics').flatMap(importsOf)).toEqual([]);
});

it('there is no import circle between notify/, digest/ and slack/', () => {
  const areas = ['notify', 'digest', 'slack'];
  const edges = new Map(areas.map((a) => [a, new Set(under(a).flatMap(importsOf).map(area).filter((b) => b !== a && areas.includes(b)))]));
  const reaches = (from: string, to: string, seen = new Set<string>()): boolean =>
    [...(edges.get(from) ?? [])].some((next) => next === to || (!seen.has(next) && (seen.add(next), reaches(next, to, seen))));
  expect(areas.filter((a) => reaches(a, a))).toEqual([]);
});

it('nothing in src/ imports the demo or the tests: the demo starts the product, never the other way', () => {
  const outside = filesUnder(SRC).flatMap((file) => importsOf(file).filter((m) => /^\.\.\/(demo|test)\//.test(m)).map((m) => `${path.relative(SRC, file)} imports ${m}`));
  expect(outside).toEqual([]);
  expect(importsOf(path.join(SRC, '..', 'demo', 'demo.ts'))).toContain('bot');
});

it('finds the imports it checks (a scan that found nothing would pass anything)', () => {
  expect(importsOf(path.join(SRC, 'slack', 'app.ts'))).toEqual(expect.arrayContaining(['auth/callbackRoute', 'slack/context']));
  expect(violations([path.join(SRC, 'slack', 'context.ts')], ['notify'])).toEqual(['slack/context.ts imports notify/notifier']);
});
