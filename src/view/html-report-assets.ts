// The stylesheet and script inlined into the usage report (`tapes stats
// --html`) and shared with the session page's header strip: chart colours
// that follow the page's light or dark scheme, tables that print, and a
// script that shows a mark's value on hover and ties each mark to the table
// row holding the same number (hovering either lights both). Nothing is
// fetched: the page's CSP forbids it.

export const CHART_STYLE = `
svg.chart{max-width:100%;height:auto;display:block;font:11px system-ui,-apple-system,"Segoe UI",sans-serif}
svg.chart text{fill:var(--fg)}svg.chart text.tick{fill:var(--dim)}
svg.chart .grid{stroke:var(--line);stroke-width:1}svg.chart .axis{stroke:var(--dim);stroke-width:1}
svg.chart [data-point]{cursor:pointer}
svg.chart [data-point]:hover,svg.chart [data-point].lit{stroke:var(--fg);stroke-width:1.5}
svg.chart .part{pointer-events:none}
svg.chart circle.dot{fill-opacity:.7;stroke-width:1.5}svg.chart circle.hollow{fill-opacity:0}
#tip{position:fixed;z-index:10;pointer-events:none;max-width:420px;padding:6px 8px;border:1px solid var(--line);border-radius:6px;background:var(--bg);color:var(--fg);box-shadow:0 2px 8px rgba(0,0,0,.2);font-size:12px;white-space:pre-wrap;display:none}
#tip.on{display:block}
tr.lit td{background:var(--cur)}
@media print{#tip{display:none!important}svg.chart [data-point]{stroke:none!important}}
`;

export const REPORT_STYLE = `
:root{--bg:#fff;--fg:#1f2328;--dim:#656d76;--line:#d0d7de;--side:#f6f8fa;--accent:#0969da;--err:#cf222e;--cur:#fff8c5}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--dim:#8d96a0;--line:#30363d;--side:#161b22;--accent:#4493f8;--err:#f85149;--cur:#3a3000}}
*{box-sizing:border-box}
html,body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif}
body{padding:16px 24px 48px;max-width:1100px;margin:0 auto}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}h3{font-size:14px;margin:16px 0 6px}
.facts{display:flex;flex-wrap:wrap;gap:8px 24px;margin:8px 0;color:var(--dim)}.facts b{color:var(--fg);font-variant-numeric:tabular-nums}
figure{margin:8px 0}
.empty{color:var(--dim);font-style:italic}
table{border-collapse:collapse;width:100%;font-size:12px;margin:6px 0 12px}
th,td{text-align:left;padding:3px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{position:sticky;top:0;background:var(--side)}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.err{color:var(--err)}
details.table>summary{cursor:pointer;color:var(--dim);font-size:12px}
.swatch{display:inline-block;width:9px;height:9px;margin-right:5px;border-radius:2px}
a{color:var(--accent)}
@media print{body{max-width:none;padding:0}h2{break-after:avoid}figure{break-inside:avoid}th{position:static}details.table{display:block}details.table>summary{display:none}}
${CHART_STYLE}`;

/** Hover a mark: its value in a box by the pointer and its table row lit; hover a row: its marks lit; click a mark with no link: its row scrolled to. */
export const CHART_SCRIPT = `
(function(){
  var tip = document.getElementById('tip');
  function rowsOf(el){
    var key = el.getAttribute('data-key');
    var fig = el.closest('figure');
    var table = fig && document.getElementById(fig.getAttribute('data-table'));
    if (!table || key === null) return [];
    return Array.prototype.filter.call(table.querySelectorAll('tr[data-key]'), function(r){ return r.getAttribute('data-key') === key; });
  }
  function light(list, on){ list.forEach(function(x){ x.classList.toggle('lit', on); }); }
  document.addEventListener('mouseover', function(e){
    var p = e.target.closest ? e.target.closest('[data-point]') : null;
    if (!p) return;
    tip.textContent = p.getAttribute('data-tip');
    tip.classList.add('on');
    light(rowsOf(p), true);
  });
  document.addEventListener('mousemove', function(e){
    if (!tip.classList.contains('on')) return;
    var x = e.clientX + 14, y = e.clientY + 14;
    if (x + tip.offsetWidth > window.innerWidth) x = e.clientX - tip.offsetWidth - 14;
    if (y + tip.offsetHeight > window.innerHeight) y = e.clientY - tip.offsetHeight - 14;
    tip.style.left = Math.max(0, x) + 'px'; tip.style.top = Math.max(0, y) + 'px';
  });
  document.addEventListener('mouseout', function(e){
    var p = e.target.closest ? e.target.closest('[data-point]') : null;
    if (!p) return;
    tip.classList.remove('on');
    light(rowsOf(p), false);
  });
  document.addEventListener('click', function(e){
    var p = e.target.closest ? e.target.closest('[data-point]') : null;
    if (!p || p.closest('a')) return;
    var rows = rowsOf(p);
    if (!rows.length) return;
    var d = rows[0].closest('details');
    if (d) d.open = true;
    rows[0].scrollIntoView({block:'center'});
  });
  Array.prototype.forEach.call(document.querySelectorAll('table[id]'), function(table){
    var figs = Array.prototype.filter.call(document.querySelectorAll('figure[data-table]'), function(f){ return f.getAttribute('data-table') === table.id; });
    function marks(row){
      var key = row.getAttribute('data-key'), out = [];
      figs.forEach(function(f){ Array.prototype.forEach.call(f.querySelectorAll('[data-point]'), function(p){ if (p.getAttribute('data-key') === key) out.push(p); }); });
      return out;
    }
    table.addEventListener('mouseover', function(e){ var r = e.target.closest('tr[data-key]'); if (r) light(marks(r), true); });
    table.addEventListener('mouseout', function(e){ var r = e.target.closest('tr[data-key]'); if (r) light(marks(r), false); });
  });
})();
`;
