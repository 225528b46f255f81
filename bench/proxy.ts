// The capture benchmark (issue "Live capture"): what the recording proxy adds
// to a model turn. In one run, over loopback, against the same upstream
// replaying the 17 real Claude Code turns of the corpus (gzip SSE, sent in 8
// writes each):
//   - time to first byte and total time of streamed requests through the
//     proxy versus straight to the upstream (p50, p99, ratio, added ms),
//     interleaved direct / proxy so a busy moment hits both;
//   - throughput with 10 concurrent clients, direct versus proxy;
//   - archive growth for the 17-turn session versus its raw request and
//     response bytes (the dedup ratio).
// The proxy records into a real archive throughout (a fresh session per pass
// over the 17 turns, as an agent would make them).
//
// Usage: node build/bench/proxy.js [--json] [--requests N] [--concurrency C]
import http from 'node:http';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { Archive, startProxy, upstreamUrl } from '../src/archive/index.js';
import { loadWireTurns, startUpstream, wireRoute, type WireTurn } from '../test/capture/wire-helpers.js';
import { currentLoad, machineInfo, makeTempDir, nowMs, removeDir } from './lib.js';

interface Options {
  json: boolean;
  requests: number;
  concurrency: number;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { json: false, requests: 500, concurrency: 10 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--json') o.json = true;
    else if (a === '--requests') o.requests = Number(argv[++i]);
    else if (a === '--concurrency') o.concurrency = Number(argv[++i]);
    else throw new Error(`unknown argument ${a} (usage: proxy.js [--json] [--requests N] [--concurrency C])`);
  }
  if (!Number.isInteger(o.requests) || o.requests < 17) throw new Error('--requests takes an integer >= 17');
  if (!Number.isInteger(o.concurrency) || o.concurrency < 1) throw new Error('--concurrency takes a positive integer');
  return o;
}

interface Timing {
  ttfb: number;
  total: number;
  bytes: number;
}

function request(base: string, agent: http.Agent, turn: WireTurn, session: string): Promise<Timing> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    for (const [k, v] of turn.headers) if (!['host', 'content-length'].includes(k)) headers[k] = v.startsWith('<redacted') ? 'bench-fake-credential' : v;
    headers['x-claude-code-session-id'] = session;
    headers['content-length'] = String(turn.body.length);
    const t0 = nowMs();
    let ttfb = -1;
    let bytes = 0;
    const req = http.request(new URL(turn.path, base), { method: 'POST', headers, agent }, (res) => {
      res.on('data', (c: Buffer) => {
        if (ttfb < 0) ttfb = nowMs() - t0;
        bytes += c.length;
      });
      res.on('end', () => {
        if (!turn.response.length || bytes !== turn.response.length) reject(new Error(`${turn.name}: got ${bytes} bytes, expected ${turn.response.length}`));
        else resolve({ ttfb, total: nowMs() - t0, bytes });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(turn.body);
  });
}

function pct(samples: number[], p: number): number {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

async function dirBytes(dir: string): Promise<{ bytes: number; files: number }> {
  let bytes = 0;
  let files = 0;
  for (const e of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    bytes += (await fs.stat(join(e.parentPath ?? (e as unknown as { path: string }).path, e.name))).size;
    files++;
  }
  return { bytes, files };
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const machine = machineInfo();
  const turns = loadWireTurns();
  const upstream = await startUpstream(wireRoute(turns, { chunks: 8 }));
  const work = await makeTempDir('proxy');
  try {
    // --- Archive growth: the 17-turn session once, into a fresh archive.
    await Archive.init({ cwd: work, env: {} }, 'growth');
    const growthArchive = await Archive.openAt(join(work, 'growth', '.tapes'));
    const g = await startProxy(growthArchive, { listen: { host: '127.0.0.1', port: 0 }, upstream: upstreamUrl(upstream.url, 'anthropic', {}) });
    const gAgent = new http.Agent({ keepAlive: true });
    const before = await dirBytes(join(work, 'growth', '.tapes', 'objects'));
    for (const t of turns) await request(g.url, gAgent, t, 'ac9b5a71-50d4-47c2-b771-4d5c3e96d899');
    await g.close();
    gAgent.destroy();
    const after = await dirBytes(join(work, 'growth', '.tapes', 'objects'));
    const raw = turns.reduce((n, t) => n + t.body.length + t.response.length, 0);
    const rawRequests = turns.reduce((n, t) => n + t.body.length, 0);
    const stored = after.bytes - before.bytes;

    // --- Latency: interleaved direct / proxy, the proxy recording.
    await Archive.init({ cwd: work, env: {} }, 'latency');
    const archive = await Archive.openAt(join(work, 'latency', '.tapes'));
    const running = await startProxy(archive, { listen: { host: '127.0.0.1', port: 0 }, upstream: upstreamUrl(upstream.url, 'anthropic', {}) });
    const direct = new http.Agent({ keepAlive: true });
    const viaProxy = new http.Agent({ keepAlive: true });
    // Warm-up: connections, JIT, the codec.
    for (const t of turns.slice(0, 5)) {
      await request(upstream.url, direct, t, 'warm');
      await request(running.url, viaProxy, t, 'warm');
    }
    const d: Timing[] = [];
    const p: Timing[] = [];
    for (let i = 0; i < o.requests; i++) {
      const t = turns[i % turns.length]!;
      const session = `bench-${Math.floor(i / turns.length)}`;
      if (i % 2 === 0) {
        d.push(await request(upstream.url, direct, t, session));
        p.push(await request(running.url, viaProxy, t, session));
      } else {
        p.push(await request(running.url, viaProxy, t, session));
        d.push(await request(upstream.url, direct, t, session));
      }
    }
    await running.proxy.drain();

    // --- Throughput: C concurrent clients, direct then proxy then direct again.
    const throughput = async (base: string, agent: http.Agent, label: string): Promise<number> => {
      let next = 0;
      const t0 = nowMs();
      const n = Math.max(o.requests / 2, 170);
      await Promise.all(
        Array.from({ length: o.concurrency }, async (_, w) => {
          for (;;) {
            const i = next++;
            if (i >= n) return;
            await request(base, agent, turns[i % turns.length]!, `${label}-${w}-${Math.floor(i / turns.length)}`);
          }
        }),
      );
      return n / ((nowMs() - t0) / 1000);
    };
    const forwardOnly = await startProxy(archive, { listen: { host: '127.0.0.1', port: 0 }, upstream: upstreamUrl(upstream.url, 'anthropic', {}), record: false });
    const viaForward = new http.Agent({ keepAlive: true });
    const tpDirect1 = await throughput(upstream.url, direct, 'tp-direct');
    const tpProxy = await throughput(running.url, viaProxy, 'tp-proxy');
    await running.proxy.drain();
    const tpForward = await throughput(forwardOnly.url, viaForward, 'tp-forward');
    const tpDirect2 = await throughput(upstream.url, direct, 'tp-direct');
    await running.close();
    await forwardOnly.close();
    viaForward.destroy();
    direct.destroy();
    viaProxy.destroy();
    const tpDirect = (tpDirect1 + tpDirect2) / 2;

    const stat = (xs: Timing[], k: 'ttfb' | 'total') => ({ p50: pct(xs.map((x) => x[k]), 50), p99: pct(xs.map((x) => x[k]), 99) });
    const res = {
      machine: { ...machine, loadavgEnd: currentLoad() },
      requests: o.requests,
      concurrency: o.concurrency,
      latency: {
        ttfb: { direct: stat(d, 'ttfb'), proxy: stat(p, 'ttfb') },
        total: { direct: stat(d, 'total'), proxy: stat(p, 'total') },
      },
      throughput: { direct_rps: tpDirect, proxy_rps: tpProxy, ratio: tpProxy / tpDirect, forward_only_rps: tpForward, forward_only_ratio: tpForward / tpDirect },
      recorded: { turns: running.stats.recorded, failures: running.stats.recordFailures },
      growth: {
        turns: turns.length,
        raw_bytes: raw,
        raw_request_bytes: rawRequests,
        stored_bytes: stored,
        objects: after.files - before.files,
        stored_per_turn: stored / turns.length,
        raw_per_turn: raw / turns.length,
        dedup_ratio: raw / stored,
      },
    };
    if (o.json) {
      process.stdout.write(JSON.stringify(res, null, 2) + '\n');
      return;
    }
    const f = (ms: number) => `${ms.toFixed(2)} ms`;
    const row = (name: string, a: { p50: number; p99: number }, b: { p50: number; p99: number }) =>
      [
        `  ${name.padEnd(6)} p50  direct ${f(a.p50).padStart(10)}  proxy ${f(b.p50).padStart(10)}  ratio ${(b.p50 / a.p50).toFixed(2)}x  added ${f(b.p50 - a.p50)}`,
        `  ${''.padEnd(6)} p99  direct ${f(a.p99).padStart(10)}  proxy ${f(b.p99).padStart(10)}  ratio ${(b.p99 / a.p99).toFixed(2)}x  added ${f(b.p99 - a.p99)}`,
      ].join('\n');
    const lines = [
      `tapes proxy benchmark — node ${machine.node}, ${machine.cpus} CPUs (${machine.cpuModel}), load ${machine.loadavgStart.map((x) => x.toFixed(2)).join(' ')} → ${currentLoad().map((x) => x.toFixed(2)).join(' ')}`,
      `upstream: loopback replay of the 17 wire turns (gzip SSE, 8 writes each); ${o.requests} streamed requests each way, interleaved; the proxy records every turn (${running.stats.recorded} recorded, ${running.stats.recordFailures} failures)`,
      '',
      'latency (proxy vs direct):',
      row('ttfb', res.latency.ttfb.direct, res.latency.ttfb.proxy),
      row('total', res.latency.total.direct, res.latency.total.proxy),
      '',
      `throughput, ${o.concurrency} concurrent clients: direct ${tpDirect.toFixed(0)} req/s, proxy recording ${tpProxy.toFixed(0)} req/s (ratio ${res.throughput.ratio.toFixed(2)}x), proxy forwarding only ${tpForward.toFixed(0)} req/s (ratio ${res.throughput.forward_only_ratio.toFixed(2)}x)`,
      '',
      `archive growth for the 17-turn session: ${(stored / 1024).toFixed(1)} KiB stored (${res.growth.objects} objects, ${(res.growth.stored_per_turn / 1024).toFixed(1)} KiB/turn) for ${(raw / 1024).toFixed(1)} KiB of raw requests + responses (${(res.growth.raw_per_turn / 1024).toFixed(1)} KiB/turn): dedup ratio ${res.growth.dedup_ratio.toFixed(1)}x`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    await upstream.close();
    await removeDir(work);
  }
}

main().catch((err: Error) => {
  process.stderr.write(`bench/proxy: ${err.stack ?? err.message}\n`);
  process.exitCode = 1;
});
