// The secret detector over the real corpus (issue 19): every file under
// $TAPES_CORPUS (default ../shared/corpus) scanned line by line with the shared
// detector; prints hits per rule with a short, masked sample of each value so a
// person can review them (the corpus holds no real secrets we know of, so every
// hit is a candidate false positive until reviewed). Not part of npm test.
//
// Usage: node build/bench/secrets.js [--json] [--samples N]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SecretDetector } from '../src/record/index.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const corpus = process.env.TAPES_CORPUS ?? resolve(repoRoot, '../shared/corpus');
const args = process.argv.slice(2);
const json = args.includes('--json');
const nSamples = Number(args[args.indexOf('--samples') + 1]) || 5;

function* files(dir: string): Generator<string> {
  for (const e of readdirSync(dir).sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) yield* files(p);
    else yield p;
  }
}

/** Enough of a value to judge it by, not enough to use it. */
function mask(v: string): string {
  const one = v.replace(/\s+/g, ' ');
  return one.length <= 12 ? one.slice(0, 4) + '…' : one.slice(0, 10) + '…' + one.slice(-4) + ` (${v.length} chars)`;
}

const d = new SecretDetector();
const byRule = new Map<string, { hits: number; distinct: Set<string>; samples: string[] }>();
let bytes = 0;
let lines = 0;
const t0 = performance.now();
for (const f of files(corpus)) {
  const text = readFileSync(f, 'utf8');
  bytes += Buffer.byteLength(text);
  for (const line of text.split('\n')) {
    lines++;
    for (const hit of d.scan(line)) {
      let r = byRule.get(hit.rule);
      if (!r) byRule.set(hit.rule, (r = { hits: 0, distinct: new Set(), samples: [] }));
      r.hits++;
      if (!r.distinct.has(hit.digest)) {
        r.distinct.add(hit.digest);
        if (r.samples.length < nSamples) r.samples.push(`${f.slice(corpus.length + 1)}: ${mask(hit.value)} | ${line.slice(Math.max(0, hit.start - 40), hit.start).replace(/\s+/g, ' ')}`);
      }
    }
  }
}
const ms = performance.now() - t0;
const out = [...byRule].map(([rule, r]) => ({ rule, hits: r.hits, distinct: r.distinct.size, samples: r.samples }));
if (json) console.log(JSON.stringify({ corpus, bytes, lines, ms: Math.round(ms), rules: out }, null, 2));
else {
  console.log(`${corpus}: ${(bytes / 1e6).toFixed(1)} MB, ${lines} lines, ${Math.round(ms)} ms (${(bytes / 1e6 / (ms / 1000)).toFixed(1)} MB/s)`);
  for (const r of out) {
    console.log(`${r.rule}: ${r.hits} hits, ${r.distinct} distinct values`);
    for (const s of r.samples) console.log(`    ${s}`);
  }
}
