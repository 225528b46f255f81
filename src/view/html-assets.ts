// The stylesheet and script inlined into every HTML export, so the file needs
// nothing from the network: no external scripts, fonts or images (the page's
// Content-Security-Policy forbids them). The script: a search box that keeps
// the steps holding the text (and the threads around them), j/k to move
// between steps, o or Enter to open or close one, / to search, Esc to clear,
// and the timeline on the side opening the step it names. Bookkeeping steps
// (class noise) are hidden while the body has class fold-noise; the button
// #noise shows or hides them, and the strip (#strip) opens the step a mark
// names, showing it first if it was folded.

export const HTML_STYLE = `
:root{--bg:#fff;--fg:#1f2328;--dim:#656d76;--line:#d0d7de;--side:#f6f8fa;--accent:#0969da;--err:#cf222e;--errbg:#ffebe9;--code:#f6f8fa;--cur:#fff8c5;
--k:#0550ae;--s:#0a3069;--n:#953800;--b:#8250df;--c:#6e7781;--kw:#cf222e;--add:#1a7f37;--del:#cf222e}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--dim:#8d96a0;--line:#30363d;--side:#161b22;--accent:#4493f8;--err:#f85149;--errbg:#3c1618;--code:#161b22;--cur:#3a3000;
--k:#79c0ff;--s:#a5d6ff;--n:#ffa657;--b:#d2a8ff;--c:#8b949e;--kw:#ff7b72;--add:#3fb950;--del:#f85149}}
*{box-sizing:border-box}
html,body{margin:0;height:100%;background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif}
body{display:grid;grid-template-columns:minmax(260px,26%) 1fr;height:100vh}
#side{background:var(--side);border-right:1px solid var(--line);overflow:auto;display:flex;flex-direction:column}
#side header{padding:12px;border-bottom:1px solid var(--line);position:sticky;top:0;background:var(--side);z-index:1}
#side h1{font-size:15px;margin:0 0 4px;word-break:break-all}
#side .title{margin:0 0 6px;color:var(--dim)}
#side dl{margin:0 0 8px;display:grid;grid-template-columns:auto 1fr;gap:0 8px;font-size:12px}
#side dt{color:var(--dim)}#side dd{margin:0;word-break:break-all}
#search{width:100%;padding:6px 8px;border:1px solid var(--line);border-radius:6px;background:var(--bg);color:var(--fg);font:inherit}
#count{font-size:12px;color:var(--dim);display:block;margin-top:4px;min-height:1em}
#timeline,#timeline ol{list-style:none;margin:0;padding:0}
#timeline ol{padding-left:14px;border-left:2px solid var(--line);margin-left:10px}
#timeline a{display:block;padding:2px 12px;color:var(--fg);text-decoration:none;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;font-size:12px}
#timeline a:hover{background:var(--line)}
#timeline a.current{background:var(--cur)}
#timeline a .t{color:var(--dim);font-variant-numeric:tabular-nums}
#timeline a .l{font-weight:600}
#timeline a.error .l,#timeline a.error .x{color:var(--err)}
#timeline .thread-name{padding:2px 12px;font-size:12px;color:var(--dim);font-style:italic}
main{overflow:auto;padding:12px 20px 60px}
.step{border:1px solid var(--line);border-radius:6px;margin:6px 0;scroll-margin:12px}
.step.current{outline:2px solid var(--accent)}
.step.error{border-left:4px solid var(--err)}
.step>details>summary{cursor:pointer;padding:6px 10px;list-style:none;display:flex;gap:8px;align-items:baseline;overflow:hidden}
.step>details>summary::-webkit-details-marker{display:none}
.step>details>summary::before{content:"▸";color:var(--dim)}
.step>details[open]>summary::before{content:"▾"}
.step .n{color:var(--dim);font-variant-numeric:tabular-nums;min-width:2.5em}
.step .label{font-weight:600;white-space:nowrap}
.step.error .label{color:var(--err)}
.step time{color:var(--dim);white-space:nowrap;font-size:12px}
.step code.id{color:var(--dim);font-size:12px}
.step .sum{white-space:nowrap;overflow:hidden;text-overflow:ellipsis;flex:1;min-width:0}
.step .body{padding:4px 12px 10px;border-top:1px solid var(--line)}
.text{white-space:pre-wrap;word-wrap:break-word;margin:8px 0}
.thinking{white-space:pre-wrap;color:var(--dim);font-style:italic;border-left:3px solid var(--line);margin:8px 0;padding:2px 10px}
.tool{margin:8px 0;border:1px solid var(--line);border-radius:6px;overflow:hidden}
.tool-head{padding:4px 8px;background:var(--code);border-bottom:1px solid var(--line);font-size:12px}
.tool.error{border-color:var(--err)}.tool.error .tool-head{background:var(--errbg);color:var(--err);font-weight:600}
pre.code{margin:0;padding:8px;overflow:auto;max-height:60vh;font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;white-space:pre-wrap;word-wrap:break-word;background:var(--bg)}
details.fold>summary{cursor:pointer;padding:4px 8px;color:var(--dim);font-size:12px}
.meta{font-size:12px;color:var(--dim);margin:6px 0}
.thread{margin:10px 0 4px 8px;padding-left:10px;border-left:3px solid var(--accent)}
.thread>h3{font-size:13px;margin:6px 0;color:var(--accent)}
img.shot{max-width:100%;border:1px solid var(--line);border-radius:4px}
.hidden{display:none!important}
body.fold-noise .noise{display:none!important}
#noise{margin-top:6px;padding:3px 8px;border:1px solid var(--line);border-radius:6px;background:var(--bg);color:var(--fg);font:inherit;font-size:12px;cursor:pointer}
#noise[aria-pressed="true"]{background:var(--cur)}
.step.noise{opacity:.75}
@media print{body{display:block;height:auto}#side{display:none}main{overflow:visible}.help,#noise{display:none}}
.k{color:var(--k)}.s{color:var(--s)}.n{color:var(--n)}.b{color:var(--b)}.c{color:var(--c);font-style:italic}.kw{color:var(--kw)}
.v{color:var(--b)}.o{color:var(--kw)}.f{color:var(--k)}
.da{color:var(--add)}.dd{color:var(--del)}.dh{font-weight:600}.dr{color:var(--b)}
.help{position:fixed;right:12px;bottom:8px;font-size:11px;color:var(--dim);background:var(--bg);padding:2px 6px;border:1px solid var(--line);border-radius:4px;margin:0}
mark{background:#ffd33d;color:inherit}
`;

export const HTML_SCRIPT = `
(function(){
  var steps = Array.prototype.slice.call(document.querySelectorAll('.step'));
  var links = {};
  Array.prototype.forEach.call(document.querySelectorAll('#timeline a[data-target]'), function(a){ links[a.getAttribute('data-target')] = a; });
  var current = -1;
  function ownText(s){
    if (s._text === undefined) {
      var parts = [];
      var d = s.firstElementChild;
      for (var c = d ? d.firstElementChild : null; c; c = c.nextElementSibling) if (!c.classList.contains('threads')) parts.push(c.textContent);
      s._text = parts.join('\\n').toLowerCase();
    }
    return s._text;
  }
  function openTo(el){
    for (var p = el; p; p = p.parentElement) if (p.tagName === 'DETAILS' && !p.classList.contains('fold')) p.open = true;
  }
  function folded(){ return document.body.classList.contains('fold-noise'); }
  function visible(){ var f = folded(); return steps.filter(function(s){ return !s.classList.contains('hidden') && !(f && s.classList.contains('noise')); }); }
  function setCurrent(s, scroll){
    steps.forEach(function(x){ x.classList.remove('current'); });
    Object.keys(links).forEach(function(k){ links[k].classList.remove('current'); });
    if (!s) return;
    s.classList.add('current');
    current = steps.indexOf(s);
    var a = links[s.id];
    if (a) { a.classList.add('current'); if (a.scrollIntoViewIfNeeded) a.scrollIntoViewIfNeeded(); }
    if (scroll) { openTo(s.parentElement); s.scrollIntoView({block:'nearest'}); }
  }
  function move(delta){
    var list = visible();
    if (!list.length) return;
    var at = list.indexOf(steps[current]);
    var next = at < 0 ? (delta > 0 ? 0 : list.length - 1) : Math.max(0, Math.min(list.length - 1, at + delta));
    setCurrent(list[next], true);
  }
  function toggle(){
    var s = steps[current];
    if (!s) return;
    var d = s.firstElementChild;
    d.open = !d.open;
  }
  var search = document.getElementById('search');
  var count = document.getElementById('count');
  function filter(){
    var q = search.value.trim().toLowerCase();
    var shown = 0;
    for (var i = steps.length - 1; i >= 0; i--) {
      var s = steps[i];
      var hit = q === '' || ownText(s).indexOf(q) >= 0;
      var inner = !hit && q !== '' && s.querySelector('.step:not(.hidden)') !== null;
      s.classList.toggle('hidden', !hit && !inner);
      // A step whose subagent thread holds a match opens, so the match shows.
      if (inner) s.firstElementChild.open = true;
      s.classList.toggle('match', q !== '' && hit);
      var a = links[s.id];
      if (a) a.parentElement.classList.toggle('hidden', !hit && !inner);
      if (hit && q !== '') shown++;
    }
    Array.prototype.forEach.call(document.querySelectorAll('.thread'), function(t){
      t.classList.toggle('hidden', q !== '' && t.querySelector('.step:not(.hidden)') === null);
    });
    count.textContent = q === '' ? '' : shown + ' of ' + steps.length + ' steps match';
    if (q !== '') { var first = visible().filter(function(s){ return s.classList.contains('match'); })[0]; if (first) setCurrent(first, false); }
  }
  search.addEventListener('input', filter);
  var noise = document.getElementById('noise');
  function setFolded(on){
    document.body.classList.toggle('fold-noise', on);
    if (!noise) return;
    var n = noise.getAttribute('data-count');
    noise.setAttribute('aria-pressed', on ? 'false' : 'true');
    noise.textContent = (on ? 'Show ' : 'Hide ') + n + ' bookkeeping record' + (n === '1' ? '' : 's');
  }
  if (noise) noise.addEventListener('click', function(){ setFolded(!folded()); });
  var strip = document.getElementById('strip');
  if (strip) strip.addEventListener('click', function(e){
    var a = e.target.closest ? e.target.closest('a[data-target]') : null;
    if (!a) return;
    e.preventDefault();
    var s = document.getElementById(a.getAttribute('data-target'));
    if (!s) return;
    if (s.classList.contains('noise') && folded()) setFolded(false);
    s.firstElementChild.open = true;
    setCurrent(s, true);
    s.scrollIntoView({block:'start'});
  });
  document.getElementById('timeline').addEventListener('click', function(e){
    var a = e.target.closest ? e.target.closest('a[data-target]') : null;
    if (!a) return;
    e.preventDefault();
    var s = document.getElementById(a.getAttribute('data-target'));
    if (s) { s.firstElementChild.open = true; setCurrent(s, true); }
  });
  steps.forEach(function(s){ s.firstElementChild.firstElementChild.addEventListener('click', function(){ setCurrent(s, false); }); });
  document.addEventListener('keydown', function(e){
    if (e.target === search) {
      if (e.key === 'Escape') { search.value = ''; filter(); search.blur(); }
      else if (e.key === 'Enter') { search.blur(); move(0); }
      return;
    }
    if (e.metaKey || e.ctrlKey || e.altKey) return;
    if (e.key === 'j') { move(1); e.preventDefault(); }
    else if (e.key === 'k') { move(-1); e.preventDefault(); }
    else if (e.key === 'o' || (e.key === 'Enter' && e.target.tagName !== 'SUMMARY')) { toggle(); e.preventDefault(); }
    else if (e.key === '/') { search.focus(); search.select(); e.preventDefault(); }
    else if (e.key === 'Escape') { search.value = ''; filter(); }
  });
})();
`;
