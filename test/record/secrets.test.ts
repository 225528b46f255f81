// The shared secret detector: every built-in rule finds its format at the
// start, middle and end of a text and inside a stored record's blob; the
// entropy rule leaves ordinary identifiers alone; custom rules and the
// allow-list work; an invalid custom regex names the config line.
import t from 'tap';
import { SecretDetector, customRule, maskWhitespaceEscapes, redactStoredValue, scanStoredValue, valueDigest, isHighEntropy, SECRET_RULES, type ValueFinding } from '../../src/record/index.js';
import type { JsonValue } from '../../src/hash/index.js';

const SAMPLES: Record<string, string> = {
  'private-key': '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo\n-----END RSA PRIVATE KEY-----',
  'anthropic-key': 'sk-ant-api03-Zx81kQ0vPq3mN7tR2sW9yB4cD6eF',
  'openai-key': 'sk-proj-Ab12Cd34Ef56Gh78Ij90Kl12Mn34',
  'aws-access-key': 'AKIAZ7QW3ERT5YUI8OPL',
  'github-token': 'ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8',
  'gitlab-token': 'glpat-Xy9z8W7v6U5t4S3r2Q1p',
  'slack-token': 'xoxb-2048-4096-Tq8Zr2LmX7vT4pW9',
  'google-api-key': 'AIzaSyB9x8C7v6B5n4M3a2S1d0F9g8H7j6K5l4Q',
  'stripe-key': 'rk_live_51Hq8Zr2LmX7vT4pW9nB3kY',
  jwt: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0YXBlcy10ZXN0In0.c2lnbmF0dXJlLWJ5dGVzLWhlcmU',
  'url-password': 'mongodb://admin:Tr0ub4dor3x@mongo.internal:27017/db',
  'high-entropy': 'const apiSigningToken = "Zq8Wr2LmX7vT4pW9nB3kY6hJ1cF5"',
};

t.test('each rule, at the start, middle and end of a text', async (t) => {
  const d = new SecretDetector();
  t.equal(Object.keys(SAMPLES).length, SECRET_RULES.length - 2, 'every rule but bearer-token and password-assignment (covered below) is sampled');
  for (const [rule, text] of Object.entries(SAMPLES)) {
    // Long text too: from 256 characters on, the rules' hints are tested without the one-pass prefilter.
    for (const wrap of [(s: string) => s, (s: string) => `some words ${s} more words`, (s: string) => `leading text\n${s}`, (s: string) => `${'plain prose, '.repeat(25)}${s} and more`]) {
      const found = d.scan(wrap(text));
      t.equal(found.length, 1, `${rule}: one finding in ${JSON.stringify(wrap('…'))}`);
      t.equal(found[0]?.rule, rule, rule);
      const f = found[0]!;
      t.equal(wrap(text).slice(f.start, f.end), f.value, 'positions name the value');
      t.notMatch(d.replace(wrap(text)), f.value, 'replace removes it');
    }
  }
  const b = d.scan('curl -H "Authorization: Bearer abcdefghijklmnopqrstuvwxyz0123"');
  t.same(b.map((f) => [f.rule, f.value]), [['bearer-token', 'abcdefghijklmnopqrstuvwxyz0123']], 'the Bearer prefix is kept');
  const p = d.scan('DB_PASSWORD=correcthorsebattery');
  t.same(p.map((f) => [f.rule, f.value]), [['password-assignment', 'correcthorsebattery']]);
});

t.test('no false alarms on ordinary code and text', async (t) => {
  const d = new SecretDetector();
  const text = [
    'commit 4f8a2c1e9b7d3a5f6e8c0b2d4f6a8c0e2b4d6f8a',
    'const tokenizerConfigPath = "src/tokenizer/config/defaultSettings.json"',
    'apiKey: process.env.OPENAI_API_KEY',
    'password: "{{.Env.SIGN_PASSWORD}}"',
    'const passwordResetTemplateName = "emailPasswordResetTemplate"',
    'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=',
    'https://example.com/path?x=1',
    'git@github.com:owner/repo.git',
  ].join('\n');
  t.same(d.scan(text), []);
  t.notOk(isHighEntropy('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'));
  t.notOk(isHighEntropy('4f8a2c1e9b7d3a5f6e8c0b2d4f6a8c0e'), 'a lower-case hex digest is not a secret by entropy alone');
  t.ok(isHighEntropy('Zq8Wr2LmX7vT4pW9nB3kY6hJ1cF5'));
});

t.test('custom rules and their errors', async (t) => {
  const rule = customRule({ id: 'acme', pattern: 'ACME-[0-9]{6}', source: { path: '.tapes/config', line: 7 } });
  const d = new SecretDetector([rule]);
  t.same(d.scan('ticket ACME-123456 closed').map((f) => [f.rule, f.value]), [['custom-acme', 'ACME-123456']]);
  t.throws(() => customRule({ id: 'bad', pattern: 'ACME-[0-9', source: { path: '.tapes/config', line: 7 } }), /^\.tapes\/config:7: secret rule bad: invalid regex "ACME-\[0-9": /);
  t.throws(() => customRule({ id: 'empty', pattern: 'x*', source: { path: '.tapes/config', line: 9 } }), /\.tapes\/config:9: .*matches the empty string/);
  t.throws(() => customRule({ id: 'sp ace', pattern: 'x' }), /secret rule name "sp ace"/);
});

t.test('the allow-list by rule and value digest', async (t) => {
  const key = SAMPLES['aws-access-key']!;
  const digest = valueDigest(key);
  t.match(digest, /^[0-9a-f]{64}$/);
  t.equal(new SecretDetector([], [{ rule: 'aws-access-key', digest: digest.slice(0, 16) }]).scan(`a ${key} b`).length, 0, 'allowed by rule + digest prefix');
  t.equal(new SecretDetector([], [{ rule: 'jwt', digest }]).scan(`a ${key} b`).length, 1, 'the digest allows only under its own rule');
  t.equal(new SecretDetector([], [{ rule: 'aws-access-key', digest: valueDigest('AKIAOTHEROTHEROTHER1') }]).scan(`a ${key} b`).length, 1, 'another value is still found');
});

t.test('stored values: strings, keys and blobs', async (t) => {
  const d = new SecretDetector();
  const blobText = 'x'.repeat(2000) + ` ${SAMPLES['github-token']} ` + 'y'.repeat(100);
  const blobs = new Map([['b1', Buffer.from(blobText)]]);
  const found = await scanStoredValue(
    d,
    { type: 'tool_result', input: { cmd: `export AWS=${SAMPLES['aws-access-key']}` }, out: { $blob: 'b1' }, list: ['fine', SAMPLES.jwt!] },
    async (id) => blobs.get(id)!,
  );
  t.same(found.map((f) => [f.rule, f.path, f.blob ?? null]), [
    ['aws-access-key', '$.input.cmd', null],
    ['github-token', '$.out', 'b1'],
    ['jwt', '$.list[1]', null],
  ]);
});

// Each built-in rule's hint (a literal every match contains) only lets the
// detector skip text the rule cannot match: with and without the hints, the
// findings over every fixture transcript line and the samples are the same.
t.test("the rules' hints skip nothing a rule would find", async (t) => {
  const { readdirSync, readFileSync, statSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { corpusDir } = await import('../helpers/cli.js');
  class Unhinted extends SecretDetector {
    override readonly rules = SECRET_RULES.map(({ hints: _hints, ...r }) => ({ ...r, re: new RegExp(r.re.source, r.re.flags) }));
  }
  const hinted = new SecretDetector();
  const plain = new Unhinted();
  t.ok(SECRET_RULES.every((r) => r.hints !== undefined && r.hints.length > 0), 'every built-in rule has a hint');
  const texts: string[] = [...Object.values(SAMPLES), 'Authorization: Bearer abcdefghijklmnopqrstuvwxyz012345', 'DB_PASSWORD=hunter2hunter2', 'PassWord: "Zq8Wr2LmX7vT4pW9nB3kY6hJ1cF5"'];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(jsonl|json|txt|md)$/.test(name)) texts.push(...readFileSync(p, 'utf8').split('\n'));
    }
  };
  walk(corpusDir);
  t.ok(texts.length > 5000, `${texts.length} texts`);
  let found = 0;
  const differ: string[] = [];
  for (const text of texts) {
    const a = hinted.scan(text);
    const b = plain.scan(text);
    found += b.length;
    if (JSON.stringify(a) !== JSON.stringify(b)) differ.push(text.slice(0, 120));
  }
  t.same(differ, [], 'the same findings in every text');
  t.ok(found > 10, `${found} findings compared`);
});

t.test('the entropy rule, tried only where a match can start, finds what its regex finds everywhere', async (t) => {
  class Plain extends SecretDetector {
    override readonly rules = SECRET_RULES.map((r) => ({ ...r, re: new RegExp(r.re.source, r.re.flags) }));
  }
  const anchored = new SecretDetector();
  const plain = new Plain();
  // Assignments of long random values, each part sometimes left out or broken, run together with junk between.
  let seed = 7;
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), Math.floor(seed / 65536) % n);
  const pick = <T,>(xs: readonly T[]): T => xs[rand(xs.length)]!;
  const VALUE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_=.-';
  const assignment = () => {
    let name = '';
    for (let k = rand(4); k > 0; k--) name += pick(['my', '_', 'api', 'Key', 'token', 'Secret', 'X', '9', 'é', 'auth', 'pwd']);
    let value = '';
    for (let k = 20 + rand(12); k > 0; k--) value += VALUE[rand(VALUE.length)];
    return (
      name + pick(['', '', '\\']) + pick(['', '"', "'"]) + pick(['', ' ', '  ', '\n']) + pick([':', '=', ':', '=', '-']) + pick(['', ' ']) +
      pick(['', '\\']) + pick(['"', "'", '"', '']) + value + pick(['', '\\']) + pick(['"', "'", '"', ''])
    );
  };
  let found = 0;
  const differ: string[] = [];
  for (let i = 0; i < 30000; i++) {
    let text = '';
    for (let k = 1 + rand(3); k > 0; k--) text += pick(['', ' ', 'x', '_', ',', '{"', '\\n', 'é']) + assignment();
    const a = anchored.scan(text);
    const b = plain.scan(text);
    found += b.filter((f) => f.rule === 'high-entropy').length;
    if (JSON.stringify(a) !== JSON.stringify(b)) differ.push(text);
  }
  t.same(differ.slice(0, 5), [], 'the same findings in 30000 texts');
  t.ok(found > 1000, `${found} findings of the entropy rule compared`);
});

t.test('JSON text: a key after a \\n escape is found, and its span replaced whole', async (t) => {
  const d = new SecretDetector();
  const line = JSON.stringify({ out: `done\n${SAMPLES['slack-token']}\nnext\t${SAMPLES['stripe-key']}` });
  const found = d.scan(line);
  t.same(found.map((f) => f.rule), ['slack-token', 'stripe-key'], 'found after \\n and \\t escapes');
  const replaced = d.replace(line, found);
  t.same(JSON.parse(replaced), { out: 'done\n[REDACTED:slack-token]\nnext\t[REDACTED:stripe-key]' }, 'still JSON, escapes kept');
  const pem = SAMPLES['private-key']!;
  const pemLine = JSON.stringify({ key: pem });
  const pf = d.scan(pemLine);
  t.equal(pf.length, 1);
  t.same(JSON.parse(d.replace(pemLine, pf)), { key: '[REDACTED:private-key]' }, 'a private key written with \\n escapes goes whole');
  t.equal(d.scan('a literal \\\\n' + SAMPLES['slack-token']).length, 0, 'an escaped backslash before n is not a newline');
});

t.test('whitespace escapes are masked as one pass over escape pairs reads them', async (t) => {
  // The definition: each backslash starts a pair with the next character; a pair \n, \t or \r becomes two spaces.
  const byPairs = (text: string) => text.replace(/\\([\s\S])/g, (pair, c: string) => (c === 'n' || c === 't' || c === 'r' ? '  ' : pair));
  const alphabet = ['\\', 'n', 't', 'r', 'x', '"', '\n'];
  let checked = 0;
  const differ: string[] = [];
  const all = (prefix: string, left: number): void => {
    checked++;
    if (maskWhitespaceEscapes(prefix) !== byPairs(prefix)) differ.push(prefix);
    if (left > 0) for (const c of alphabet) all(prefix + c, left - 1);
  };
  all('', 6);
  t.same(differ, [], `every string of up to 6 of ${JSON.stringify(alphabet.join(''))} (${checked})`);
});

t.test('the marks a replacement leaves are never found again', async (t) => {
  const d = new SecretDetector([customRule({ id: 'acme', pattern: 'acme|ACME-[0-9]{6}' })]);
  const text = `postgres://bob:${'hunter2secret'}@db/x and ACME-123456`;
  const once = d.replace(text);
  t.equal(once, 'postgres://bob:[REDACTED:url-password]@db/x and [REDACTED:custom-acme]');
  t.same(d.scan(once), [], 'neither the url-password rule nor a custom rule matching "acme" finds the marks');
});

t.test('redactStoredValue: strings, keys, blobs (raw template parts too), each blob once; links untouched', async (t) => {
  const d = new SecretDetector([customRule({ id: 'hex', pattern: '[0-9a-f]{64}' })]);
  const parent = 'a'.repeat(64);
  const blobId = 'b'.repeat(64);
  const rawId = 'c'.repeat(64);
  const store = new Map<string, Buffer>([
    [blobId, Buffer.from(`long output ${SAMPLES['github-token']} end`)],
    [rawId, Buffer.from(JSON.stringify(`caf\u00e9 ${SAMPLES['aws-access-key']}`))],
  ]);
  let n = 0;
  const put = async (b: Uint8Array) => {
    const id = String(++n).padStart(64, 'd');
    store.set(id, Buffer.from(b));
    return id;
  };
  const get = async (id: string) => store.get(id)!;
  const value = {
    parent,
    content: [{ type: 'text', text: `key ${SAMPLES.jwt}` }, { type: 'tool_result', content: { $blob: blobId } }],
    meta: { [`x-${SAMPLES['stripe-key']}`]: 1 },
    source: { text: ['{"a":', { $blob: rawId, raw: true }, '}'] },
    again: { $blob: blobId },
  };
  const memo = new Map<string, { id: string; found: ValueFinding[] }>();
  const r = await redactStoredValue(d, value as unknown as JsonValue, get, put, memo);
  const v = r.value as unknown as typeof value;
  t.equal(v.parent, parent, 'the parent id is a link: a custom rule matching hex does not touch it');
  t.equal(v.content[0]!.text, 'key [REDACTED:jwt]');
  t.not((v.content[1]!.content as { $blob: string }).$blob, blobId, 'the blob is written again');
  t.equal(store.get((v.content[1]!.content as { $blob: string }).$blob)!.toString(), 'long output [REDACTED:github-token] end');
  t.equal(v.again.$blob, (v.content[1]!.content as { $blob: string }).$blob, 'the same blob twice: one new blob');
  t.same(Object.keys(v.meta), ['x-[REDACTED:stripe-key]'], 'keys are scanned');
  const raw = v.source.text[1] as { $blob: string; raw: true };
  t.equal(raw.raw, true, 'a raw part stays raw');
  t.equal(store.get(raw.$blob)!.toString(), JSON.stringify('caf\u00e9 [REDACTED:aws-access-key]'));
  t.same(r.found.map((f) => f.rule), ['jwt', 'github-token', 'stripe-key', 'aws-access-key'], 'the shared blob is reported once');
  t.equal(n, 2, 'two blobs written');
  const clean = { parent: null, content: [{ type: 'text', text: 'nothing here' }] };
  t.equal((await redactStoredValue(d, clean as unknown as JsonValue, get, put, memo)).value, clean as unknown as JsonValue, 'a clean value is returned as it is');
  const scanned = await scanStoredValue(d, value as unknown as JsonValue, get);
  t.ok(scanned.some((f) => f.rule === 'aws-access-key' && f.blob === rawId), "push's scan reads raw template parts too");
  t.notOk(scanned.some((f) => f.rule === 'custom-hex'), 'and never the ids of links');
});

// Hits of the scale corpus (a real user's history), reviewed by hand: code and
// shell placeholders that are not secrets, which the rules now leave alone.
t.test('placeholders and code references are not passwords', async (t) => {
  const d = new SecretDetector();
  for (const text of [
    'DATABASE_URL=postgres://${DB_USER}:${DB_PASS}@localhost/mydb',
    'ORIGIN_URL="https://x-access-token:${GH_TOKEN}@github.com/${REPO}.git"',
    'url: "mysql://root:{{ db_password }}@db"',
    '  client_id: clientId,\n  client_secret: clientSecret,\n',
    '"api_key": config.APIKey, // PII',
    'apiKey = posthogAPIKey',
  ]) {
    t.same(d.scan(text).map((f) => f.rule), [], text);
  }
  t.same(d.scan('client_secret: Sup3rS3cretValue').map((f) => f.rule), ['password-assignment'], 'a value with a digit is still found');
  t.same(d.scan('password: "camelCaseWord"').map((f) => f.rule), ['password-assignment'], 'a quoted value is a value, whatever it looks like');
  t.same(d.scan('postgres://app:Hx7pQ2vL9wZr@db').map((f) => f.rule), ['url-password']);
});
