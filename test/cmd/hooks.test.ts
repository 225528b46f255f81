// tapes hooks: installing into real-looking agent settings keeps every other
// byte (odd formatting, other hooks), a second install changes nothing,
// uninstall gives back the original bytes, invalid JSON is refused; the
// installed command, run by a shell with the input the agent gives, imports
// that session into the user archive, and a broken archive makes it log an
// error and still exit 0 without a word on its output.
import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { corpusDir, repoRoot, tapes, tempDir } from '../helpers/cli.js';

const BUNDLE = join(repoRoot, 'build', 'bundle', 'tapes.js');
const claudeTranscript = join(corpusDir, 'claude-code', 'projects', '-Users-alex-workspace-cli', '1b3e6441-62e3-4b41-8a0c-9d252f531f7a.jsonl');
const geminiSession = join(corpusDir, 'gemini', 'tmp', 'demo', 'chats', 'session-2026-12-04T17-24-9207bfd2.jsonl');
const codexRollout = join(corpusDir, 'codex', 'sessions', '2026', '05', '11', 'rollout-2026-05-11T13-28-45-019e1695-0522-7c83-8b39-0dd379793f80.jsonl');

// Settings as people leave them: four-space indent, an inline list, an escape, another event's hook, no final newline.
const CLAUDE_SETTINGS = `{
    "model": "opus",
    "permissions": { "allow": ["Bash(npm test:*)"] },
    "hooks": {
        "PreToolUse": [
            {
                "matcher": "Bash",
                "hooks": [ { "type": "command", "command": "~/bin/guard \\"$1\\"" } ]
            }
        ],
        "Stop": [
            {
                "hooks": [ { "type": "command", "command": "notify-send done" } ]
            }
        ]
    },
    "statusLine": {"type": "command", "command": "echo caf\\u00e9"}
}`;

async function setup(t: Test) {
  const root = tempDir('tapes-hooks-');
  t.teardown(() => fs.rm(root, { recursive: true, force: true }));
  const home = join(root, 'home');
  await fs.mkdir(home, { recursive: true });
  // The program the hook runs: this build of tapes, as `npm install` would link it.
  const program = join(root, 'bin', 'tapes');
  await fs.mkdir(join(root, 'bin'));
  await fs.writeFile(program, `#!/bin/sh\nexec "${process.execPath}" "${BUNDLE}" "$@"\n`, { mode: 0o755 });
  return { root, home, program, env: { HOME: home } };
}

/** Runs a hook command the way an agent does: through a shell, the input on stdin (or as arguments). */
function shell(command: string, opts: { stdin?: string; args?: string[]; env: Record<string, string>; cwd: string }): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', `${command} "$@"`, 'sh', ...(opts.args ?? [])], { cwd: opts.cwd, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(opts.stdin ?? '');
  });
}

t.test('hooks: claude install keeps every byte of the settings but the added entries; twice is once; uninstall restores', async (t) => {
  const { home, program, env } = await setup(t);
  const file = join(home, '.claude', 'settings.json');
  await fs.mkdir(join(home, '.claude'));
  await fs.writeFile(file, CLAUDE_SETTINGS);
  const r = await tapes(['hooks', 'install', 'claude', '--command', program], { cwd: home, env });
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /^Installed: Claude Code runs ".*\/bin\/tapes hooks run claude" on Stop, SessionEnd/);
  const cmd = `${program} hooks run claude`;
  const entry = (indent: string) =>
    `{\n${indent}    "hooks": [\n${indent}        {\n${indent}            "type": "command",\n${indent}            "command": ${JSON.stringify(cmd)}\n${indent}        }\n${indent}    ]\n${indent}}`;
  const expected = CLAUDE_SETTINGS.replace(
    `"hooks": [ { "type": "command", "command": "notify-send done" } ]\n            }\n        ]`,
    `"hooks": [ { "type": "command", "command": "notify-send done" } ]\n            },\n            ${entry('            ')}\n        ],\n        "SessionEnd": [\n            ${entry('            ')}\n        ]`,
  );
  const after = await fs.readFile(file, 'utf8');
  t.equal(after, expected, 'the file is the original with our group appended to Stop and a SessionEnd list added, in its own layout');
  const parsed = JSON.parse(after) as { hooks: Record<string, unknown[]> };
  t.same(Object.keys(parsed.hooks), ['PreToolUse', 'Stop', 'SessionEnd'], 'key order kept');
  t.equal(parsed.hooks.Stop!.length, 2, 'the other Stop hook is still there, first');

  const again = await tapes(['hooks', 'install', 'claude', '--command', program], { cwd: home, env });
  t.match(again.stdout, /^Already installed/);
  t.equal(await fs.readFile(file, 'utf8'), expected, 'a second install changes nothing');

  const status = JSON.parse((await tapes(['hooks', 'status', 'claude', '--json'], { cwd: home, env })).stdout);
  t.match(status, { agent: 'claude', installed: true, events: ['Stop', 'SessionEnd'], settings: file, last: null });

  const un = await tapes(['hooks', 'uninstall', 'claude'], { cwd: home, env });
  t.match(un.stdout, /as it was before install/);
  t.equal(await fs.readFile(file, 'utf8'), CLAUDE_SETTINGS, 'uninstall gives back the original bytes');

  // Installed, then the user edits the file: uninstall takes out exactly our entries and keeps the edit.
  await tapes(['hooks', 'install', 'claude', '--command', program], { cwd: home, env });
  await fs.writeFile(file, (await fs.readFile(file, 'utf8')).replace('"opus"', '"sonnet"'));
  await tapes(['hooks', 'uninstall', 'claude'], { cwd: home, env });
  t.equal(await fs.readFile(file, 'utf8'), CLAUDE_SETTINGS.replace('"opus"', '"sonnet"'), 'after an edit, only our entries go');
});

t.test('hooks: invalid settings are refused by name and left alone; a missing file is created and removed again', async (t) => {
  const { home, program, env } = await setup(t);
  const file = join(home, '.gemini', 'settings.json');
  await fs.mkdir(join(home, '.gemini'));
  await fs.writeFile(file, '{ "theme": "dark", }');
  const r = await tapes(['hooks', 'install', 'gemini', '--command', program], { cwd: home, env });
  t.equal(r.code, 1);
  t.match(r.stderr, `tapes: error: ${file} is not valid JSON (`);
  t.notMatch(r.stderr, /\n\s+at /, 'no stack trace');
  t.equal(await fs.readFile(file, 'utf8'), '{ "theme": "dark", }', 'untouched');
  await fs.rm(file);
  t.equal((await tapes(['hooks', 'install', 'gemini', '--command', program], { cwd: home, env })).code, 0);
  const made = JSON.parse(await fs.readFile(file, 'utf8')) as { hooks: Record<string, Array<{ hooks: Array<{ name: string; command: string }> }>> };
  t.same(Object.keys(made.hooks), ['SessionEnd', 'AfterAgent']);
  t.match(made.hooks.SessionEnd![0]!.hooks[0], { name: 'tapes', type: 'command', command: `${program} hooks run gemini` });
  await tapes(['hooks', 'uninstall', 'gemini'], { cwd: home, env });
  await t.rejects(fs.stat(file), 'the file install created is gone again');
});

t.test('hooks: the installed claude command imports the session it is given into the user archive', async (t) => {
  const { root, home, program, env } = await setup(t);
  const project = join(home, '.claude', 'projects', '-work-app');
  await fs.mkdir(project, { recursive: true });
  const transcript = join(project, '1b3e6441-62e3-4b41-8a0c-9d252f531f7a.jsonl');
  await fs.copyFile(claudeTranscript, transcript);
  await tapes(['hooks', 'install', 'claude', '--command', program], { cwd: home, env });
  const settings = JSON.parse(await fs.readFile(join(home, '.claude', 'settings.json'), 'utf8')) as { hooks: { SessionEnd: Array<{ hooks: Array<{ command: string }> }> } };
  const command = settings.hooks.SessionEnd[0]!.hooks[0]!.command;
  // A project with its own archive: the hook still imports into the user's.
  const work = join(root, 'work', 'app');
  await fs.mkdir(work, { recursive: true });
  await tapes(['init', '-q'], { cwd: work, env });
  const payload = { session_id: '1b3e6441-62e3-4b41-8a0c-9d252f531f7a', transcript_path: transcript, cwd: work, permission_mode: 'default', hook_event_name: 'SessionEnd', reason: 'exit' };
  const run = await shell(command, { stdin: JSON.stringify(payload), env, cwd: work });
  t.same(run, { code: 0, stdout: '', stderr: '' }, 'exit 0 and not a word');
  const user = join(home, '.local', 'share', 'tapes');
  const list = await tapes(['--archive', user, 'sessions', '--json'], { cwd: home, env });
  t.equal(JSON.parse(list.stdout).name, '1b3e6441-62e3-4b41-8a0c-9d252f531f7a', 'the session is in the user archive');
  t.equal((await tapes(['sessions', '--json'], { cwd: work, env })).stdout, '', 'and not in the project archive');
  const status = JSON.parse((await tapes(['hooks', 'status', 'claude', '--json'], { cwd: home, env })).stdout);
  t.match(status.last, { agent: 'claude', event: 'SessionEnd', ok: true, status: 'new', session: '1b3e6441-62e3-4b41-8a0c-9d252f531f7a', records_added: 9, transcript });
  const text = await tapes(['hooks', 'status'], { cwd: home, env });
  t.match(text.stdout, /^claude {2}installed \(SessionEnd, Stop\) in .*; last run .*: new 1b3e6441-62e3-4b41-8a0c-9d252f531f7a \(9 records added\)$/m);
  const stop = await shell(command, { stdin: JSON.stringify({ ...payload, hook_event_name: 'Stop', stop_hook_active: false }), env, cwd: work });
  t.equal(stop.code, 0);
  t.match(JSON.parse((await tapes(['hooks', 'status', 'claude', '--json'], { cwd: home, env })).stdout).last, { event: 'Stop', status: 'unchanged', records_added: 0 });
});

t.test('hooks: a broken archive or bad input is logged, the hook exits 0 and prints nothing', async (t) => {
  const { home, program, env } = await setup(t);
  const user = join(home, '.local', 'share', 'tapes');
  await tapes(['init', '--user', '-q'], { cwd: home, env });
  const command = `${program} hooks run claude`;
  const bad = await shell(command, { stdin: 'not json', env, cwd: home });
  t.same(bad, { code: 0, stdout: '', stderr: '' });
  t.match(JSON.parse((await tapes(['hooks', 'status', 'claude', '--json'], { cwd: home, env })).stdout).last, { ok: false, error: /the hook input is not JSON/ });
  await fs.writeFile(join(user, 'config'), '[core]\n\tformatVersion = 99\n');
  const payload = { session_id: 's', transcript_path: claudeTranscript, cwd: home, hook_event_name: 'SessionEnd', reason: 'exit' };
  const broken = await shell(command, { stdin: JSON.stringify(payload), env, cwd: home });
  t.same(broken, { code: 0, stdout: '', stderr: '' }, 'the agent sees success');
  const log = (await fs.readFile(join(user, 'hooks', 'log'), 'utf8')).trim().split('\n');
  t.match(JSON.parse(log[log.length - 1]!), { agent: 'claude', ok: false, error: /format version 99 is not supported/ }, 'the error is in the log under the archive');
  const text = await tapes(['hooks', 'status', 'claude'], { cwd: home, env });
  t.match(text.stdout, /failed: .*format version 99/);
});

t.test('hooks: gemini settings hooks and codex notify, installed, run with what the agent passes, removed', async (t) => {
  const { home, program, env } = await setup(t);
  // Gemini CLI: settings with other hooks and settings, two-space indent.
  const gfile = join(home, '.gemini', 'settings.json');
  await fs.mkdir(join(home, '.gemini', 'tmp', 'demo', 'chats'), { recursive: true });
  const gsettings = '{\n  "general": {\n    "vimMode": true\n  },\n  "hooks": {\n    "BeforeTool": [\n      {\n        "matcher": "write_file",\n        "hooks": [{"type": "command", "command": "./check.sh"}]\n      }\n    ]\n  }\n}\n';
  await fs.writeFile(gfile, gsettings);
  await tapes(['hooks', 'install', 'gemini', '--command', program], { cwd: home, env });
  const g = JSON.parse(await fs.readFile(gfile, 'utf8')) as { general: unknown; hooks: Record<string, Array<{ hooks: Array<{ command: string }> }>> };
  t.same(Object.keys(g.hooks), ['BeforeTool', 'SessionEnd', 'AfterAgent']);
  t.ok((await fs.readFile(gfile, 'utf8')).startsWith(gsettings.slice(0, gsettings.indexOf('    ]\n  }\n}'))), 'everything before the insertion is as it was');
  const transcript = join(home, '.gemini', 'tmp', 'demo', 'chats', 'session-2026-12-04T17-24-9207bfd2.jsonl');
  await fs.copyFile(geminiSession, transcript);
  const payload = { session_id: '9207bfd2-0e43-4b40-9c26-c047dcb8181f', transcript_path: transcript, cwd: '/home/dev/demo', hook_event_name: 'SessionEnd', timestamp: '2026-12-04T17:25:00.000Z', reason: 'exit' };
  const run = await shell(g.hooks.SessionEnd![0]!.hooks[0]!.command, { stdin: JSON.stringify(payload), env, cwd: home });
  t.same(run, { code: 0, stdout: '', stderr: '' });
  t.match(JSON.parse((await tapes(['hooks', 'status', 'gemini', '--json'], { cwd: home, env })).stdout).last, { ok: true, status: 'new', session: '9207bfd2-0e43-4b40-9c26-c047dcb8181f' });
  await tapes(['hooks', 'uninstall', 'gemini'], { cwd: home, env });
  t.equal(await fs.readFile(gfile, 'utf8'), gsettings, 'gemini settings restored');

  // Codex: config.toml with a table; notify goes above it, as a top-level key.
  const cfile = join(home, '.codex', 'config.toml');
  const day = join(home, '.codex', 'sessions', '2026', '05', '11');
  await fs.mkdir(day, { recursive: true });
  await fs.copyFile(codexRollout, join(day, 'rollout-2026-05-11T13-28-45-019e1695-0522-7c83-8b39-0dd379793f80.jsonl'));
  const toml = '# my config\nmodel = "gpt-5"\n\n[mcp_servers.docs]\ncommand = "docs-mcp"\n';
  await fs.writeFile(cfile, toml);
  await tapes(['hooks', 'install', 'codex', '--command', program], { cwd: home, env });
  const notify = `notify = [${JSON.stringify(program)}, "hooks", "run", "codex"]`;
  t.equal(await fs.readFile(cfile, 'utf8'), `# my config\nmodel = "gpt-5"\n\n${notify}\n[mcp_servers.docs]\ncommand = "docs-mcp"\n`);
  t.match((await tapes(['hooks', 'install', 'codex', '--command', program], { cwd: home, env })).stdout, /^Already installed/);
  const arg = JSON.stringify({ type: 'agent-turn-complete', 'thread-id': '019e1695-0522-7c83-8b39-0dd379793f80', 'turn-id': '1', cwd: home, 'input-messages': ['hi'], 'last-assistant-message': 'done' });
  const crun = await shell(`${program} hooks run codex`, { args: [arg], env, cwd: home });
  t.same(crun, { code: 0, stdout: '', stderr: '' });
  t.match(JSON.parse((await tapes(['hooks', 'status', 'codex', '--json'], { cwd: home, env })).stdout).last, { ok: true, event: 'agent-turn-complete', status: 'new', session: '019e1695-0522-7c83-8b39-0dd379793f80' });
  await tapes(['hooks', 'uninstall', 'codex'], { cwd: home, env });
  t.equal(await fs.readFile(cfile, 'utf8'), toml, 'config.toml restored');
  await fs.writeFile(cfile, 'notify = ["notify-send"]\n');
  const taken = await tapes(['hooks', 'install', 'codex', '--command', program], { cwd: home, env });
  t.equal(taken.code, 1);
  t.match(taken.stderr, `${cfile}:1 already sets notify`);
  t.equal(await fs.readFile(cfile, 'utf8'), 'notify = ["notify-send"]\n', 'another notify program is never replaced');
});
