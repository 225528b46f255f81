// Finds blocks of six or more lines copied between files of src/ and cmd/,
// as is or with other names (identifiers, strings and numbers normalised).
// Used by test/copies.test.ts (issue 14: no block of six or more lines is
// copied between files; yargs option tables and command prologues aside).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const KEYWORDS = new Set('abstract as async await break case catch class const continue default delete do else enum export extends false finally for from function if implements import in instanceof interface let new null of private protected public readonly return static super switch this throw true try type typeof undefined var void while yield'.split(' '));
const WINDOW = 6;

export function sourceFiles(root: string, dirs = ['src', 'cmd']): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.ts')) out.push(p);
    }
  };
  for (const d of dirs) walk(join(root, d));
  return out.sort();
}

/** A line as its shape: names, strings and numbers replaced, spacing dropped. */
export function shape(line: string): string {
  return line
    .replace(/\/\/.*$/, '')
    .replace(/`(?:\\.|[^`\\])*`|'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*"/g, 'S')
    .replace(/\b\d[\d_.]*\b/g, 'N')
    .replace(/[A-Za-z_$][\w$]*/g, (w) => (KEYWORDS.has(w) ? w : 'I'))
    .replace(/\s+/g, '');
}

/** Lines that say nothing alone: closers, openers, imports and the option tables' rows. */
function trivial(s: string, raw: string): boolean {
  if (s.length < 4) return true;
  if (/^\s*(import|export \* from|export \{)/.test(raw)) return true;
  if (/^\s*(\*|\/\*)/.test(raw)) return true;
  // A field of an interface or type: a shape, not logic.
  // A command's Args interface and handler signature: yargs boilerplate.
  if (s === 'interfaceIextendsI{' || s === 'exportasyncfunctionI(I:I):I<void>{') return true;
  if (/^(readonly)?I\??:[^=()]*[;,]?$/.test(s) || /^(readonly)?I\??:\([^)]*\)=>[^=]*;$/.test(s)) return true;
  return /^[})\];,]*$/.test(s) || s === 'I:S,' || s === '}catch{' || s === 'try{' || s === '}else{' || s === 'break;' || s === 'return;';
}

export interface Copy {
  a: string;
  b: string;
}

export function findCopies(root: string): Copy[] {
  const seen = new Map<string, [string, number]>();
  const copies: Array<{ a: string; aLine: number; b: string; bLine: number }> = [];
  for (const file of sourceFiles(root)) {
    const rel = relative(root, file);
    const text = readFileSync(file, 'utf8');
    const lines: Array<{ s: string; n: number }> = [];
    let inComment = false;
    text.split('\n').forEach((raw, i) => {
      if (inComment) { if (raw.includes('*/')) inComment = false; return; }
      if (/^\s*\/\*/.test(raw) && !raw.includes('*/')) { inComment = true; return; }
      const s = shape(raw);
      if (!trivial(s, raw)) lines.push({ s, n: i + 1 });
    });
    const local = new Set<string>();
    for (let i = 0; i + WINDOW <= lines.length; i++) {
      const key = lines.slice(i, i + WINDOW).map((l) => l.s).join('\n');
      if (local.has(key)) continue;
      local.add(key);
      const first = seen.get(key);
      if (first && first[0] !== rel) copies.push({ a: first[0], aLine: first[1], b: rel, bLine: lines[i]!.n });
      else if (!first) seen.set(key, [rel, lines[i]!.n]);
    }
  }
  // Overlapping windows of one copy are one copy.
  const merged: Array<{ a: string; aLine: number; b: string; bLine: number; bEnd: number }> = [];
  for (const c of copies) {
    const last = merged[merged.length - 1];
    if (last && last.a === c.a && last.b === c.b && c.bLine - last.bEnd <= WINDOW && c.aLine >= last.aLine) {
      last.bEnd = c.bLine;
      continue;
    }
    merged.push({ ...c, bEnd: c.bLine });
  }
  return merged.map(({ a, aLine, b, bLine }) => ({ a: `${a}:${aLine}`, b: `${b}:${bLine}` }));
}
