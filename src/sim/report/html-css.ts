// The HTML report's one stylesheet. Fits 360 px to 1920 px without horizontal scrolling
// (charts scale, wide tables scroll inside their own box), shows a narrow chart variant
// below 40rem, and prints on A4 (wide charts, no page-wide overflow, greyscale-safe).
export const CSS = `
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; padding: 1rem; max-width: 1100px; color: #1a1a1a; background: #fff; }
p, li, dd, dt, h1, h2, h3, figcaption, nav { overflow-wrap: break-word; }
h1 { font-size: 1.45em; margin: 0.3em 0; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 2px solid #bbb; }
h3 { font-size: 1.05em; margin: 1.2em 0 0.4em; }
nav { font-size: 0.9em; } nav a { margin-right: 0.8em; white-space: nowrap; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; margin: 0.5em 0; font-size: 0.9em; } td, th { padding: 2px 8px; border-bottom: 1px solid #e4e4e4; text-align: right; vertical-align: top; }
td:first-child, th:first-child { text-align: left; } th, td { white-space: nowrap; } .why { color: #444; font-size: 0.9em; text-align: left; overflow-wrap: anywhere; }
.kills td.why { white-space: normal; min-width: 16rem; }
.best-line { font-size: 1.1em; font-weight: 600; padding: 0.5em 0.7em; border-left: 5px solid #000; background: #f2f2f2; }
.criterion { font-size: 0.9em; color: #333; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 20rem), 1fr)); gap: 0.8rem; }
.card { border: 1px solid #bbb; border-radius: 4px; padding: 0.5rem 0.8rem; min-width: 0; }
.card.best { border: 3px solid #000; }
.card h3 { margin: 0.2em 0; display: flex; gap: 0.5em; align-items: center; flex-wrap: wrap; }
.badge { font-size: 0.75em; border: 1px solid #000; border-radius: 3px; padding: 0 0.4em; font-weight: 600; }
.figures { width: 100%; font-size: 0.92em; } .figures th { text-align: left; font-weight: 600; white-space: normal; } .figures td { white-space: normal; }
.figures tr.band th { font-weight: normal; padding-left: 1.2em; }
.card ul, .remarks { padding-left: 1.2em; margin: 0.3em 0; } .card li, .remarks li { margin: 0.2em 0; }
dl.terms dt { font-weight: 600; margin-top: 0.5em; } dl.terms dd { margin-left: 1.2em; }
figure { margin: 0.5em 0 1em; } figcaption { font-size: 0.85em; color: #333; }
.chart svg { display: block; width: 100%; height: auto; }
.chart.narrow { display: none; }
@media (max-width: 40rem) {
  .chart.wide { display: none; } .chart.narrow { display: block; } body { padding: 0.6rem; font-size: 14px; }
  .kills, .kills tbody, .kills tr { display: block; } .kills tr.head { display: none; }
  .kills tr.k { padding-top: 0.4em; border-top: 1px solid #bbb; } .kills td { display: inline-block; border: 0; padding: 0 0.7em 0 0; }
  .kills tr.k td::before { content: attr(data-h) " "; color: #666; font-size: 0.85em; }
  .kills td.why { display: block; min-width: 0; padding-bottom: 0.4em; }
}
.legend { display: flex; flex-wrap: wrap; gap: 0.2em 1.1em; list-style: none; padding: 0; margin: 0.4em 0; font-size: 0.85em; }
.legend li { display: flex; align-items: center; gap: 0.35em; } .swatch { flex: none; }
.used { fill: #1f4e79; } .cache { fill: #b8d4ea; } .swap { fill: none; stroke: #6a3d9a; stroke-width: 1.8; stroke-dasharray: 5 2; }
.limit { stroke: #000; stroke-dasharray: 4 3; } .stall { fill: none; stroke: #b35806; stroke-width: 1.5; }
.stall-area { fill: #8c8c8c; } .grid { stroke: #e2e2e2; } .tick { stroke: #777; }
.crit-bg { fill: #fbd3d3; } .crit-line { stroke: #a5281b; stroke-width: 2.2; }
.frame { fill: none; stroke: #888; }
.kill { stroke: #c00; stroke-width: 1.2; } .kill.oom { stroke: #000; stroke-width: 2.4; stroke-dasharray: 6 3; }
.leader { fill: none; stroke: #c00; stroke-width: 0.8; } .leader.oom { stroke: #000; }
.kill-label { font-size: 10px; fill: #8b0000; } .kill-label.oom { fill: #000; font-weight: 700; }
.kill-tick { fill: #c00; } .kill-tick.oom { fill: #000; }
.axis { font-size: 10px; fill: #444; } .strip-label { font-size: 11px; fill: #111; }
.end { text-anchor: end; } .mid { text-anchor: middle; } .start { text-anchor: start; }
@page { size: A4; margin: 12mm; }
@media print {
  body { font-size: 10pt; max-width: none; padding: 0; }
  nav { display: none; }
  .chart.wide { display: block !important; } .chart.narrow { display: none !important; }
  .scroll { overflow: visible; } table { font-size: 8pt; } td, th { padding: 1px 4px; }
  .kills td { white-space: normal; }
  figure, .card, tr { break-inside: avoid; } h2, h3 { break-after: avoid; }
  .cards { grid-template-columns: 1fr 1fr; }
}
`;
