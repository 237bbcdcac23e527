/** The report page's inline style and hover script (no file is fetched). */
export const STYLE = `
:root{--bg:#f4f5f5;--panel:#fff;--border:#dcdee1;--text:#24292e;--muted:#6e7781;font-family:Inter,system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--text);background:var(--bg)}
*{box-sizing:border-box}body{margin:0}
header{background:var(--panel);border-bottom:1px solid var(--border);padding:14px 20px}
h1{font-size:18px;margin:0 0 8px;font-weight:600}
.run{display:flex;flex-wrap:wrap;gap:4px 22px;margin:0;font-size:13px}
.run div{display:flex;gap:6px}.run dt{color:var(--muted)}.run dd{margin:0;font-variant-numeric:tabular-nums;word-break:break-all}
main{padding:16px 20px;max-width:1600px;margin:0 auto}
.tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:10px;margin-bottom:14px}
.tile{background:var(--panel);border:1px solid var(--border);border-radius:4px;padding:10px 12px;border-top:3px solid #9aa0a6}
.tile.good{border-top-color:#37872d}.tile.warn{border-top-color:#e0b400}.tile.bad{border-top-color:#c4162a}
.tile .label{font-size:12px;color:var(--muted)}.tile .value{font-size:24px;font-weight:600;margin:2px 0;font-variant-numeric:tabular-nums;white-space:nowrap}
.tile .note{font-size:12px;color:var(--muted)}
.panels{display:grid;grid-template-columns:repeat(auto-fill,minmax(360px,1fr));gap:10px}
.panel{margin:0;background:var(--panel);border:1px solid var(--border);border-radius:4px;padding:10px 12px 8px;min-width:0}
.panel h2{font-size:14px;font-weight:600;margin:0}.panel .unit{color:var(--muted);font-weight:400}
.panel figcaption p{font-size:12px;color:var(--muted);margin:2px 0 4px;line-height:1.35}
.plot{position:relative}
svg.chart{display:block;width:100%;height:auto;overflow:visible}
svg .grid{stroke:#e9eaec;stroke-width:1}svg .axis{stroke:#b7bbc0}svg .tick-mark{stroke:#b7bbc0}
svg text{font-size:11px;fill:#5f6670;font-variant-numeric:tabular-nums}svg .axis-label{font-size:10px;fill:#8a9099}
svg .no-data{font-size:13px;fill:#8a9099}
svg .series{vector-effect:non-scaling-stroke}svg .cursor{stroke:#5f6670;stroke-width:1;stroke-dasharray:3 3}
.legend{list-style:none;display:flex;flex-wrap:wrap;gap:4px 14px;margin:4px 0 0;padding:0;font-size:12px}
.legend li{display:flex;align-items:center;gap:6px}
.swatch{width:14px;height:0;border-top:3px solid var(--c)}.swatch.dashed{border-top-style:dashed;border-top-width:2px}
.swatch.step{height:10px;border:1px solid var(--c);background:color-mix(in srgb,var(--c) 35%,transparent)}
.tip{position:absolute;top:4px;pointer-events:none;background:rgba(255,255,255,.96);border:1px solid var(--border);border-radius:3px;padding:4px 8px;font-size:12px;box-shadow:0 2px 6px rgba(0,0,0,.12);white-space:nowrap}
.tip b{display:block;font-weight:600;margin-bottom:2px}.tip i{display:inline-block;width:8px;height:8px;border-radius:2px;margin-right:5px}
.summary{margin-top:16px;background:var(--panel);border:1px solid var(--border);border-radius:4px;padding:12px 14px;overflow-x:auto}
.summary h2{font-size:14px;margin:0 0 4px}.summary p{font-size:12px;color:var(--muted);margin:0 0 8px}
table{border-collapse:collapse;font-size:13px;width:100%}th,td{text-align:left;padding:4px 10px 4px 0;border-bottom:1px solid #eef0f2;vertical-align:top}
thead th{font-size:12px;color:var(--muted);font-weight:500}.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px}
footer{font-size:12px;color:var(--muted);padding:4px 20px 20px;max-width:1600px;margin:0 auto}
@media (max-width:600px){main{padding:10px}header{padding:12px 10px}.panels{grid-template-columns:1fr}.tiles{grid-template-columns:repeat(2,1fr)}.tile .value{font-size:20px}svg text{font-size:14px}svg .axis-label{font-size:12px}}
`;

/** Hover read-out: the values under the pointer, for every line of the panel. */
export const SCRIPT = `
(function(){
var data=JSON.parse(document.getElementById('report-data').textContent);
function fmt(v,u){if(v===null||v===undefined)return 'n/a';var s=Math.abs(v)>=100?Math.round(v).toLocaleString('en-US'):(Math.round(v*10)/10).toLocaleString('en-US');return u?s+' '+u:s}
function clock(t){t=Math.round(t);var h=Math.floor(t/3600),m=Math.floor(t%3600/60),s=String(t%60).padStart(2,'0');return h?h+':'+String(m).padStart(2,'0')+':'+s:m+':'+s}
document.querySelectorAll('figure.panel').forEach(function(fig){
  var chart=data.charts[+fig.dataset.chart],svg=fig.querySelector('svg'),tip=fig.querySelector('.tip'),cur=svg.querySelector('.cursor');
  var L=+svg.dataset.left,R=+svg.dataset.right,t0=+svg.dataset.t0,t1=+svg.dataset.t1,vb=svg.viewBox.baseVal;
  function hide(){tip.hidden=true;cur.setAttribute('visibility','hidden')}
  svg.addEventListener('pointermove',function(e){
    var box=svg.getBoundingClientRect(),vx=(e.clientX-box.left)/box.width*vb.width;
    if(vx<L||vx>R){hide();return}
    var t=t0+(vx-L)/(R-L)*(t1-t0),best=0;
    for(var i=1;i<data.tS.length;i++)if(Math.abs(data.tS[i]-t)<Math.abs(data.tS[best]-t))best=i;
    var x=L+(data.tS[best]-t0)/(t1-t0)*(R-L);
    cur.setAttribute('x1',x);cur.setAttribute('x2',x);cur.setAttribute('visibility','visible');
    tip.innerHTML='<b>'+clock(data.tS[best])+'</b>'+chart.lines.map(function(l){return '<div><i style="background:'+l.color+'"></i>'+l.name+': '+fmt(l.values[best],chart.unit)+'</div>'}).join('');
    tip.hidden=false;var px=x/vb.width*box.width;tip.style.left=(px>box.width/2?px-tip.offsetWidth-10:px+10)+'px';
  });
  svg.addEventListener('pointerleave',hide);
});
})();
`;
