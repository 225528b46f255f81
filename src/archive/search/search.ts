// `tapes search`: the query language (words that must all match, "exact
// phrases", -excluded words, prefix*), turned into an FTS5 query over the
// search index, with filters on session, kind, tool, role, time, project and
// errors; results ranked by BM25, newest first among equals, each with a
// snippet whose matches are marked. The index is brought level with the refs
// first (search-index.ts).
import { statSync } from 'node:fs';
import { InvalidInputError, UsageError, isTapesError } from '../../errors/index.js';
import { AGENTS_PREFIX, SESSIONS_PREFIX } from '../../refs/index.js';
import { readEvent } from '../../record/index.js';
import type { Archive } from '../archive.js';
import { Abbreviator } from '../log/index.js';
import { indexedText, openSearchIndex, removeSearchIndex, syncSearchIndex, type SearchIndex, type SyncStats } from './search-index.js';
import { buildSnippet } from './snippet.js';

// ---------------------------------------------------------------- the query

export type QueryTerm =
  | { type: 'word'; tokens: string[]; negated: boolean; prefix: boolean }
  | { type: 'phrase'; tokens: string[]; negated: boolean; prefix: false };

/**
 * Splits text into the tokens the index holds: runs of letters, digits and
 * private-use characters (FTS5's unicode61 tokenizer with its default
 * categories `L* N* Co`; it folds case and diacritics itself).
 * Everything else (spaces, punctuation, `_`, `/`, `.`) separates tokens, so
 * `file_path` is the phrase "file path" and `src/view` is "src view".
 */
export function tokenize(text: string): string[] {
  return text.match(/[\p{L}\p{N}\p{Co}]+/gu) ?? [];
}

/** Parses a query: words, "phrases", -word, -"phrase", word*. */
export function parseQuery(query: string): QueryTerm[] {
  const terms: QueryTerm[] = [];
  let i = 0;
  const q = query;
  while (i < q.length) {
    while (i < q.length && /\s/.test(q[i]!)) i++;
    if (i >= q.length) break;
    let negated = false;
    if (q[i] === '-' && i + 1 < q.length && !/\s/.test(q[i + 1]!)) {
      negated = true;
      i++;
    }
    if (q[i] === '"') {
      const end = q.indexOf('"', i + 1);
      if (end < 0) throw new UsageError(`search query: the phrase starting at ${JSON.stringify(q.slice(i, i + 20))} has no closing quote`, { query });
      const tokens = tokenize(q.slice(i + 1, end));
      i = end + 1;
      if (tokens.length) terms.push({ type: 'phrase', tokens, negated, prefix: false });
      continue;
    }
    let j = i;
    while (j < q.length && !/\s/.test(q[j]!) && q[j] !== '"') j++;
    let word = q.slice(i, j);
    i = j;
    const prefix = word.endsWith('*');
    if (prefix) word = word.replace(/\*+$/, '');
    const tokens = tokenize(word);
    if (tokens.length) terms.push({ type: 'word', tokens, negated, prefix });
  }
  if (terms.length === 0) throw new UsageError(`search query ${JSON.stringify(query)} has no words to look for (letters or digits)`, { query });
  if (terms.every((t) => t.negated)) throw new UsageError('search query: only excluded words; give at least one word to look for', { query });
  return terms;
}

const quote = (token: string) => `"${token.replace(/"/g, '""')}"`;

/** One term as FTS5 syntax: a phrase of quoted tokens joined by `+`, `*` after the last for a prefix. */
function termQuery(t: QueryTerm): string {
  return t.tokens.map(quote).join(' + ') + (t.prefix ? ' *' : '');
}

/** The FTS5 MATCH expression for parsed terms: a AND b AND "c" + "d", then NOT e NOT f. */
export function ftsQuery(terms: QueryTerm[]): string {
  const wanted = terms.filter((t) => !t.negated).map(termQuery);
  const unwanted = terms.filter((t) => t.negated).map(termQuery);
  let expr = wanted.join(' AND ');
  for (const u of unwanted) expr = `(${expr}) NOT ${u}`;
  return expr;
}

// ---------------------------------------------------------------- searching

export interface SearchFilter {
  /** Chain refs (refs/sessions/… or refs/agents/…) to search in; a session includes its subagents. */
  chains?: string[];
  /** Labels as log shows them: user, assistant, tool, tool_result, thinking, system, summary, progress, other, unparsed. */
  kinds?: string[];
  /** Tool names (case-insensitive): their calls and the results of those calls. */
  tools?: string[];
  roles?: string[];
  /** Epoch ms bounds on the record's time (records without one are left out when set). */
  since?: number;
  until?: number;
  /** Substring of the working directory (case-insensitive). */
  project?: string;
  /** Only failed tool results, the calls they answer, API errors and error-level system records. */
  errors?: boolean;
}

export interface SearchOptions extends SearchFilter {
  /** At most this many results (0: all). */
  limit: number;
  /**
   * Build each hit's snippet (reading its record; the index keeps no copy of
   * the text). False leaves them empty, for a caller that shows only some
   * hits and fills those with addSnippets.
   */
  snippets?: boolean;
}

export interface SearchHit {
  id: string;
  /** The ref of the chain holding the record. */
  chain: string;
  /** The session's name (for a subagent chain, the session it belongs to). */
  session: string;
  /** The subagent (`agent-…`), for a record of a subagent chain. */
  agent: string | null;
  /** 1-based position of the record in its chain. */
  seq: number;
  kind: string;
  label: string;
  role: string | null;
  time: string | null;
  tools: string[];
  error: boolean;
  cwd: string | null;
  /** BM25 relevance: larger is better. */
  score: number;
  /** One line around the best match, with each matching token between \x02 and \x03 ('' until built: addSnippets). */
  snippet: string;
}

export interface SearchResult {
  hits: SearchHit[];
  /** Matching records in all, before the limit. */
  total: number;
  sync: SyncStats;
  /** False when the index could not be written and was built in memory for this run. */
  persistent: boolean;
}

export const MATCH_START = '\x02';
export const MATCH_END = '\x03';

/** Relative weights in BM25 of the index's columns, in its order: output, text, input. */
const WEIGHTS = [0.75, 1.0, 1.0];

/** The session (and subagent) a chain ref belongs to. */
export function chainParts(chain: string): { session: string; agent: string | null } {
  if (chain.startsWith(AGENTS_PREFIX)) {
    const rest = chain.slice(AGENTS_PREFIX.length);
    const slash = rest.lastIndexOf('/');
    return { session: rest.slice(0, slash), agent: rest.slice(slash + 1) };
  }
  return { session: chain.startsWith(SESSIONS_PREFIX) ? chain.slice(SESSIONS_PREFIX.length) : chain, agent: null };
}

/** Snippet text on one line: runs of whitespace (newlines included) become one space. */
function oneLineSnippet(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/**
 * The SQL conditions, with their parameters, of the filters that say where
 * and when (chains, time, project), over `records r`, `docs o`, `chains c`
 * and `dirs d` as queryIndex joins them (failures.ts joins them so too).
 */
export function scopeConditions(opts: Pick<SearchFilter, 'chains' | 'since' | 'until' | 'project'>): { where: string[]; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  if (opts.chains?.length) {
    const ors: string[] = [];
    for (const c of opts.chains) {
      ors.push('c.name = ?');
      params.push(c);
      if (c.startsWith(SESSIONS_PREFIX)) {
        ors.push('substr(c.name, 1, ?) = ?');
        const agents = `${AGENTS_PREFIX}${c.slice(SESSIONS_PREFIX.length)}/`;
        params.push(agents.length, agents);
      }
    }
    where.push(`(${ors.join(' OR ')})`);
  }
  if (opts.since !== undefined) {
    where.push('o.time >= ?');
    params.push(opts.since);
  }
  if (opts.until !== undefined) {
    where.push('o.time <= ?');
    params.push(opts.until);
  }
  if (opts.project !== undefined) {
    where.push('instr(lower(coalesce(d.path, \'\')), ?) > 0');
    params.push(opts.project.toLowerCase());
  }
  return { where, params };
}

/** The rows of the index's small tables of kinds and tool sets (a few dozen), by number. */
function namesOf(db: SearchIndex['db']): { kinds: Map<number, { kind: string; label: string; role: string | null }>; tools: Map<number, string[]> } {
  const kinds = new Map((db.prepare('SELECT id, kind, label, role FROM kinds').all() as Array<{ id: number; kind: string; label: string; role: string | null }>).map((k) => [k.id, k]));
  const tools = new Map((db.prepare('SELECT id, names FROM tools').all() as Array<{ id: number; names: string }>).map((t) => [t.id, t.names.split(',')]));
  return { kinds, tools };
}

/** Searches an index that is already current. */
export function queryIndex(index: SearchIndex, query: string, opts: SearchOptions): { hits: SearchHit[]; total: number } {
  const terms = parseQuery(query);
  const scope = scopeConditions(opts);
  const where: string[] = ['fts MATCH ?', ...scope.where];
  const params: unknown[] = [ftsQuery(terms), ...scope.params];
  const db = index.db;
  const names = namesOf(db);
  // Kinds, roles and tools are numbers in the index: a filter on them is the list of numbers that qualify.
  const inList = (col: string, ids: number[]) => {
    where.push(`${col} IN (${ids.join(', ') || 'NULL'})`);
  };
  const kindsWhere = (ok: (k: { label: string; role: string | null }) => boolean) => [...names.kinds].filter(([, k]) => ok(k)).map(([id]) => id);
  if (opts.kinds?.length) inList('o.kind', kindsWhere((k) => opts.kinds!.includes(k.label)));
  if (opts.roles?.length) inList('o.kind', kindsWhere((k) => k.role !== null && opts.roles!.includes(k.role)));
  if (opts.tools?.length) {
    const wanted = new Set(opts.tools.map((t) => t.toLowerCase()));
    inList('r.tools', [...names.tools].filter(([, n]) => n.some((x) => wanted.has(x))).map(([id]) => id));
  }
  if (opts.errors) where.push('r.error = 1');
  const from = `FROM fts JOIN records r ON r.text = fts.rowid JOIN docs o ON o.rowid = coalesce(r.doc, r.text) JOIN chains c ON c.id = r.chain LEFT JOIN dirs d ON d.id = r.dir WHERE ${where.join(' AND ')}`;
  let total: number;
  let rows: Array<{
    id: string;
    chain: string;
    seq: number;
    kind: number;
    time: number | null;
    tools: number | null;
    error: number;
    cwd: string | null;
    score: number;
  }>;
  try {
    total = (db.prepare(`SELECT count(*) AS n ${from}`).get(...params) as { n: number }).n;
    const limit = opts.limit > 0 ? opts.limit : -1;
    rows = db
      .prepare(
        `SELECT lower(hex(o.id)) AS id, c.name AS chain, r.seq, o.kind, o.time, r.tools, r.error, d.path AS cwd,
                bm25(fts, ${WEIGHTS.join(', ')}) AS score
         ${from} ORDER BY score, o.time DESC, c.name, r.seq LIMIT ?`,
      )
      .all(...params, limit) as typeof rows;
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    if (code === 'SQLITE_ERROR' && /fts5/i.test((err as Error).message)) {
      throw new UsageError(`search query ${JSON.stringify(query)} cannot be searched: ${(err as Error).message}`, { query });
    }
    throw err;
  }
  const hits = rows.map((r): SearchHit => {
    const { session, agent } = chainParts(r.chain);
    const kind = names.kinds.get(r.kind);
    return {
      id: r.id,
      chain: r.chain,
      session,
      agent,
      seq: r.seq,
      kind: kind?.kind ?? 'other',
      label: kind?.label ?? 'other',
      role: kind?.role ?? null,
      time: r.time === null ? null : new Date(r.time).toISOString(),
      tools: r.tools === null ? [] : [...(names.tools.get(r.tools) ?? [])],
      error: r.error === 1,
      cwd: r.cwd,
      // FTS5's bm25() is negative, smaller better: flipped so that more relevant is larger.
      score: Math.round(-r.score * 1e6) / 1e6,
      snippet: '',
    };
  });
  return { hits, total };
}

/** Brings the index level with the refs, then searches it. */
export async function searchArchive(archive: Archive, query: string, opts: SearchOptions): Promise<SearchResult> {
  parseQuery(query); // a bad query fails before any indexing
  const index = openSearchIndex(archive);
  try {
    const sync = await syncSearchIndex(archive, index).catch((err: { code?: string }) => {
      // SQLite's own words ("database or disk is full") leave the user to guess which disk and what to do.
      if (err.code !== 'SQLITE_FULL') throw err;
      throw new InvalidInputError(`search: the disk is full: the search index ${index.path ?? '(in memory)'} cannot be brought up to date`, { path: index.path }, 'Free some space, then search again; the archive itself is intact.');
    });
    const found = queryIndex(index, query, opts);
    if (opts.snippets !== false) await addSnippets(archive, found.hits, query);
    return { ...found, sync, persistent: index.path !== null };
  } finally {
    index.close();
  }
}

/**
 * Fills in the snippets of `hits` from their records' text (each record read
 * and verified, with its blobs): the text the index was built from, cut
 * around the query's matches (snippet.ts). A record that cannot be read
 * any more (damaged since it was indexed) gets a snippet saying so.
 */
export async function addSnippets(archive: Archive, hits: SearchHit[], query: string): Promise<void> {
  if (hits.length === 0) return;
  const terms = parseQuery(query);
  const store = await archive.objects();
  // One record is often a hit in several chains (a session and its copies): read once.
  const built = new Map<string, string>();
  for (const h of hits) {
    if (h.snippet !== '') continue;
    let snippet = built.get(h.id);
    if (snippet === undefined) {
      try {
        const t = await indexedText(store, await readEvent(store, h.id));
        snippet = oneLineSnippet(buildSnippet([t.text, t.input, t.output], terms, MATCH_START, MATCH_END));
      } catch (err) {
        if (!isTapesError(err)) throw err;
        snippet = `(record unreadable: ${err.message})`;
      }
      built.set(h.id, snippet);
    }
    h.snippet = snippet;
  }
}

/** `tapes index`: brings the index up to date (rebuilding it from nothing with `rebuild`), and says what it holds. */
export interface IndexReport {
  path: string | null;
  rebuilt: boolean;
  sync: SyncStats;
  chains: number;
  records: number;
  bytes: number;
}

export async function updateIndex(archive: Archive, rebuild: boolean): Promise<IndexReport> {
  if (rebuild) removeSearchIndex(archive);
  const index = openSearchIndex(archive);
  try {
    const sync = await syncSearchIndex(archive, index);
    const count = (sql: string) => (index.db.prepare(sql).get() as { n: number }).n;
    const chains = count('SELECT count(*) AS n FROM chains');
    const records = count('SELECT count(*) AS n FROM records');
    index.db.pragma('wal_checkpoint(TRUNCATE)');
    const bytes = index.path === null ? 0 : statSync(index.path).size;
    return { path: index.path, rebuilt: rebuild, sync, chains, records, bytes };
  } finally {
    index.close();
  }
}

/**
 * Abbreviations for search results without loading the object codec (about
 * a fifth of a search's run time): the layout of objects/ lists ids, loose
 * and packed, by name alone. Same rules as log's.
 */
export async function resultAbbreviator(archive: Archive): Promise<Abbreviator> {
  const listing = archive.objectLayout();
  return Abbreviator.create({ refs: archive.refs, objects: async () => listing } as unknown as Archive);
}
