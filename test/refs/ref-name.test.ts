import t from 'tap';
import { checkFullRefName, checkRefName, refNameProblem, shortRefName } from '../../src/refs/index.js';

t.test("git's rules", async (t) => {
  const bad: Array<[string, RegExp]> = [
    ['../x', /\.\./],
    ['refs/sessions/a..b', /\.\./],
    ['refs/sessions/a\x01b', /control/],
    ['refs/sessions/a\x7fb', /control/],
    ['refs/sessions/a b', /" "/],
    ['refs/sessions/a~1', /~/],
    ['refs/sessions/a^', /\^/],
    ['refs/sessions/a:b', /:/],
    ['refs/sessions/a?', /\?/],
    ['refs/sessions/a*', /\*/],
    ['refs/sessions/a[', /\[/],
    ['refs/sessions/a\\b', /\\/],
    ['refs/sessions/x.lock', /\.lock/],
    ['refs/sessions/.hidden', /start with "\."/],
    ['refs/sessions/a.', /end with "\."/],
    ['refs/sessions/a@{1}', /@\{/],
    ['/refs/sessions/a', /start with "\/"/],
    ['refs/sessions/a/', /end with "\/"/],
    ['refs//sessions', /\/\//],
    ['@', /"@"/],
    ['', /empty/],
  ];
  for (const [name, rule] of bad) {
    t.match(refNameProblem(name), rule, JSON.stringify(name));
    t.throws(() => checkRefName(name), { code: 'InvalidRefNameError', data: { name } });
  }
  for (const good of ['refs/sessions/9be94ee3-1c2d', 'refs/tags/v1.0', 'refs/sessions/proj/agent-a1', 'refs/remotes/origin/x']) {
    t.equal(refNameProblem(good), undefined, good);
  }
});

t.test('stored refs are HEAD or refs/<area>/<name>', async (t) => {
  t.equal(checkFullRefName('HEAD'), 'HEAD');
  t.throws(() => checkFullRefName('sessions/x'), { code: 'InvalidRefNameError' });
  t.throws(() => checkFullRefName('refs/x'), { code: 'InvalidRefNameError' });
  t.equal(shortRefName('refs/sessions/abc'), 'abc');
  t.equal(shortRefName('refs/tags/v1'), 'v1');
  t.equal(shortRefName('refs/remotes/o/s'), 'o/s');
});
