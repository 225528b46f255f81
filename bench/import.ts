// The import benchmark (issue "Capture from disk"): `tapes import` of the
// whole claude-code corpus against a floor measured in the same run — a Node
// script that only reads every file and JSON.parses every line — plus the
// archive's size against the raw transcripts and against gzip -6 of them, and
// a re-import with nothing new. Times are medians of interleaved runs.
//
// Usage: node build/bench/import.js [--json] [--reps N] [--profile]
import { spawnSync } from 'node:child_process';
import { promises as fs, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { summariseProfile } from './cpu-profile.js';
import { currentLoad, listFiles, machineInfo, makeTempDir, runOk, stats, type Stats } from './lib.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TAPES = join(repoRoot, 'build/bundle/tapes.js');
const NODE = process.execPath;
// The Claude Code transcripts (projects/), not the folder's other samples (not-claude/ is a Gemini session a Claude importer refuses).
const CORPUS = resolve(repoRoot, '../shared/corpus/claude-code/projects');

const FLOOR_SCRIPT = `
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
async function walk(d, out) {
  for (const e of await fs.readdir(d, { withFileTypes: true })) {
    const p = join(d, e.name);
    if (e.isDirectory()) await walk(p, out); else if (e.name.endsWith('.jsonl')) out.push(p);
  }
  return out;
}
let lines = 0, bad = 0;
for (const f of await walk(process.argv[2], [])) {
  for (const l of (await fs.readFile(f, 'utf8')).split('\\n')) {
    if (!l) continue;
    lines++;
    try { JSON.parse(l); } catch { bad++; }
  }
}
console.log(lines, bad);
`;

function parseArgs(argv: string[]) {
  const o = { json: false, reps: 3, profile: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--json') o.json = true;
    else if (a === '--profile') o.profile = true;
    else if (a === '--reps') o.reps = Number(argv[++i]);
    else throw new Error(`unknown argument ${a} (usage: import.js [--json] [--reps N] [--profile])`);
  }
  return o;
}

async function duBytes(dir: string): Promise<{ apparent: number; blocks: number; files: number }> {
  let apparent = 0;
  let blocks = 0;
  let files = 0;
  const walk = async (d: string): Promise<void> => {
    for (const e of await fs.readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else {
        const st = await fs.stat(p);
        apparent += st.size;
        blocks += st.blocks * 512;
        files++;
      }
    }
  };
  await walk(dir);
  return { apparent, blocks, files };
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const work = await makeTempDir('import-bench');
  const cleanup = () => rmSync(work, { recursive: true, force: true });
  process.on('exit', cleanup);
  try {
    const files = (await listFiles(CORPUS)).filter((f) => f.endsWith('.jsonl'));
    let rawBytes = 0;
    let gzipBytes = 0;
    for (const f of files) {
      const b = await fs.readFile(f);
      rawBytes += b.length;
      gzipBytes += gzipSync(b, { level: 6 }).length;
    }
    const floorScript = join(work, 'floor.mjs');
    writeFileSync(floorScript, FLOOR_SCRIPT);

    const importMs: number[] = [];
    const floorMs: number[] = [];
    const reimportMs: number[] = [];
    let size = { apparent: 0, blocks: 0, files: 0 };
    let summary: Record<string, unknown> = {};
    for (let rep = 0; rep < opts.reps; rep++) {
      floorMs.push(runOk(NODE, [floorScript, CORPUS], { cwd: work }).ms);
      const dir = join(work, `a${rep}`);
      await fs.mkdir(dir);
      runOk(NODE, [TAPES, 'init', '-q'], { cwd: dir });
      // import exits 1 because the corpus holds one file that is not a transcript (on purpose).
      const r = runImport(dir);
      importMs.push(r.ms);
      summary = JSON.parse(r.stdout) as Record<string, unknown>;
      reimportMs.push(runImport(dir).ms);
      size = await duBytes(join(dir, '.tapes'));
      if (rep < opts.reps - 1) await fs.rm(dir, { recursive: true, force: true });
    }
    let profile;
    if (opts.profile) {
      const dir = join(work, 'profile');
      await fs.mkdir(dir);
      runOk(NODE, [TAPES, 'init', '-q'], { cwd: dir });
      spawnSync(NODE, ['--cpu-prof', '--cpu-prof-dir', join(work, 'prof'), TAPES, 'import', '--json', CORPUS], { cwd: dir });
      const prof = (await fs.readdir(join(work, 'prof'))).find((f) => f.endsWith('.cpuprofile'))!;
      profile = await summariseProfile(join(work, 'prof', prof), repoRoot, 15);
    }
    const imp = stats(importMs);
    const floor = stats(floorMs);
    const re = stats(reimportMs);
    const MB = 1e6;
    const results = {
      date: new Date().toISOString(),
      machine: machineInfo(),
      corpus: { path: CORPUS, files: files.length, bytes: rawBytes },
      reps: opts.reps,
      import: { ms: imp, mb_per_s: rawBytes / MB / (imp.median / 1000) },
      floor: { ms: floor, mb_per_s: rawBytes / MB / (floor.median / 1000) },
      ratio_import_to_floor: imp.median / floor.median,
      reimport: { ms: re, ratio_to_import: re.median / imp.median, ratio_to_floor: re.median / floor.median },
      size: {
        raw_bytes: rawBytes,
        gzip6_bytes: gzipBytes,
        archive_apparent_bytes: size.apparent,
        archive_disk_bytes: size.blocks,
        archive_files: size.files,
        apparent_fraction_of_raw: size.apparent / rawBytes,
        disk_fraction_of_raw: size.blocks / rawBytes,
        apparent_fraction_of_gzip6: size.apparent / gzipBytes,
        disk_fraction_of_gzip6: size.blocks / gzipBytes,
      },
      summary: { records_added: summary.records_added, objects_written: summary.objects_written, sessions: summary.sessions },
      profile,
    };
    if (opts.json) {
      process.stdout.write(JSON.stringify(results, null, 2) + '\n');
      return;
    }
    const ms = (s: Stats) => `${s.median.toFixed(0)} ms (min ${s.min.toFixed(0)}, max ${s.max.toFixed(0)})`;
    const out = [
      `tapes import benchmark — ${results.date}`,
      `machine: node ${results.machine.node}, ${results.machine.cpus} cpus, load ${currentLoad().map((l) => l.toFixed(1)).join(' ')}`,
      `corpus: ${files.length} files, ${(rawBytes / MB).toFixed(2)} MB (${CORPUS})`,
      `reps: ${opts.reps} (medians; runs interleaved floor, import, re-import)`,
      '',
      `import (fresh archive)     ${ms(imp)}   ${results.import.mb_per_s.toFixed(1)} MB/s`,
      `floor (read + JSON.parse)  ${ms(floor)}   ${results.floor.mb_per_s.toFixed(1)} MB/s`,
      `re-import (nothing new)    ${ms(re)}`,
      '',
      `ratio import / floor        ${results.ratio_import_to_floor.toFixed(2)}×`,
      `ratio re-import / floor     ${results.reimport.ratio_to_floor.toFixed(2)}×`,
      `ratio re-import / import    ${results.reimport.ratio_to_import.toFixed(2)}×`,
      '',
      `archive size (.tapes, ${size.files} files)`,
      `  bytes (du -b)             ${(size.apparent / MB).toFixed(2)} MB = ${results.size.apparent_fraction_of_raw.toFixed(3)} of raw, ${results.size.apparent_fraction_of_gzip6.toFixed(2)}× gzip -6`,
      `  disk blocks (du -k)       ${(size.blocks / MB).toFixed(2)} MB = ${results.size.disk_fraction_of_raw.toFixed(3)} of raw, ${results.size.disk_fraction_of_gzip6.toFixed(2)}× gzip -6`,
      `  gzip -6 of the raw files  ${(gzipBytes / MB).toFixed(2)} MB = ${(gzipBytes / rawBytes).toFixed(3)} of raw`,
      `records added: ${String(summary.records_added)}, objects written: ${String(summary.objects_written)}`,
    ];
    if (profile) {
      out.push('', 'where import time goes (self time, node --cpu-prof):');
      for (const h of profile.byFunction) out.push(`  ${(h.share * 100).toFixed(1).padStart(5)}%  ${h.ms.toFixed(0).padStart(5)} ms  ${h.name}`);
      out.push('  by file:');
      for (const h of profile.byFile) out.push(`  ${(h.share * 100).toFixed(1).padStart(5)}%  ${h.ms.toFixed(0).padStart(5)} ms  ${h.name}`);
    }
    process.stdout.write(out.join('\n') + '\n');
  } finally {
    cleanup();
  }
}

function runImport(dir: string) {
  const t0 = performance.now();
  const r = spawnSync(NODE, [TAPES, 'import', '--json', CORPUS], { cwd: dir, maxBuffer: 1 << 28 });
  const ms = performance.now() - t0;
  if (r.status !== 0 && r.status !== 1) throw new Error(`tapes import failed (${r.status}): ${String(r.stderr)}`);
  return { ms, stdout: String(r.stdout) };
}

main().catch((err: Error) => {
  process.stderr.write(`bench/import: ${err.message}\n`);
  process.exitCode = 1;
});
