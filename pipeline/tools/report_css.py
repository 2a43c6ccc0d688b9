"""The report's stylesheet, inlined into the page: system fonts only, so nothing is fetched."""

from __future__ import annotations

CSS = """
:root {
  --fg: #1f2933; --muted: #616e7c; --bg: #f4f6f9; --card: #fff; --line: #e1e5ea;
  --accent: #2f6fbd; --head: #17263a;
}
* { box-sizing: border-box; }
body {
  margin: 0; color: var(--fg); background: var(--bg);
  font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
    "Noto Sans", "DejaVu Sans", sans-serif;
}
code, pre {
  font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace;
  font-size: 12.5px;
}
.wrap { max-width: 1200px; margin: 0 auto; padding: 0 28px; }
header.top { background: var(--head); color: #fff; padding: 26px 0 0; }
header.top h1 { margin: 0; font-size: 25px; font-weight: 650; letter-spacing: -0.01em; }
header.top .sub { margin: 4px 0 16px; color: #b8c4d3; font-size: 13px; }
nav { display: flex; flex-wrap: wrap; gap: 2px; }
nav a {
  color: #dbe4ef; text-decoration: none; padding: 8px 12px; font-size: 14px;
  border-radius: 6px 6px 0 0;
}
nav a:hover { background: rgba(255, 255, 255, .1); color: #fff; }
section { margin: 34px 0 10px; }
h2 {
  font-size: 20px; margin: 0 0 14px; padding-bottom: 6px; border-bottom: 2px solid var(--line);
}
h3 { font-size: 15px; margin: 0 0 10px; font-weight: 620; }
h4 {
  font-size: 12px; margin: 0 0 6px; text-transform: uppercase; letter-spacing: .06em;
  color: var(--muted);
}
.intro { color: var(--muted); margin: -4px 0 14px; max-width: 80ch; }
.cards { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 18px; }
.card, .sample {
  background: var(--card); border: 1px solid var(--line); border-radius: 10px;
  padding: 16px 18px; box-shadow: 0 1px 2px rgba(16, 24, 40, .04);
}
.wide, .sample { grid-column: 1 / -1; }
.stats {
  display: grid; grid-template-columns: repeat(auto-fit, minmax(160px, 1fr)); gap: 14px;
  margin-bottom: 18px;
}
.stat {
  background: var(--card); border: 1px solid var(--line); border-radius: 10px;
  padding: 14px 18px; border-top: 3px solid var(--accent);
}
.stat .n { font-size: 28px; font-weight: 680; font-variant-numeric: tabular-nums; }
.stat .k { color: var(--muted); font-size: 13px; }
.note { color: var(--muted); font-size: 13px; margin: 8px 0 0; }
.none { color: var(--muted); font-style: italic; margin: 6px 0; }
.warn {
  background: #fff7e6; border: 1px solid #f3c46b; color: #7a4b00; border-radius: 8px;
  padding: 10px 14px; margin: 0 0 14px;
}
svg.chart { width: 100%; height: auto; display: block; overflow: visible; }
.chart text { font-size: 12px; fill: #4b5866; font-family: inherit; }
.chart .tick { font-size: 11px; fill: #6b7785; }
.chart .axis-title { font-size: 12px; fill: #3e4c59; font-weight: 600; }
.chart .value { font-size: 11px; fill: #3e4c59; font-variant-numeric: tabular-nums; }
.chart .axis { stroke: #9aa5b1; stroke-width: 1; }
.chart .gridline { stroke: #edf0f3; stroke-width: 1; }
.chart .bar { fill: var(--bar); }
.chart .bar:hover { opacity: .75; }
.chart .median { stroke: #1f2933; stroke-width: 1.2; stroke-dasharray: 4 3; }
.chart .median-label { font-size: 11px; fill: #1f2933; }
.c-blue { --bar: #3f7cc4; } .c-red { --bar: #d1584f; } .c-green { --bar: #3b9468; }
.c-purple { --bar: #7b5fc4; } .c-orange { --bar: #e08a2c; } .c-teal { --bar: #2b9a9c; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); }
th { font-weight: 600; color: #3e4c59; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
table.kv th { width: 34%; font-weight: 500; color: var(--muted); }
table.kv td { word-break: break-word; }
details { margin-top: 12px; }
summary { cursor: pointer; color: var(--accent); font-size: 14px; }
.chip {
  display: inline-block; padding: 1px 9px; margin: 0 4px 4px 0; border-radius: 999px;
  background: #e8eef6; color: #274a73; font-size: 12px;
}
.chip.reason { background: #fde8e6; color: #9b2c24; }
.chip.removed { background: #f1ebfb; color: #4f3a8a; }
.sample h3 { font-size: 17px; margin-bottom: 4px; }
.meta { color: var(--muted); font-size: 13px; margin: 0 0 12px; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 18px; }
.pane {
  max-height: 460px; overflow: auto; border: 1px solid var(--line); border-radius: 8px;
  padding: 12px 14px; margin: 0;
}
.clean p { margin: 0 0 10px; }
.clean .summary { font-style: italic; color: #3e4c59; }
.clean .label {
  font-style: normal; font-size: 11px; text-transform: uppercase; letter-spacing: .05em;
  color: var(--muted); margin-right: 4px;
}
.clean .credits { font-size: 13px; color: #3e4c59; }
.chips { font-size: 13px; color: var(--muted); margin: -4px 0 10px; }
.chips .label {
  display: inline-block; min-width: 150px; font-size: 11px; text-transform: uppercase;
  letter-spacing: .05em;
}
table.stages { width: auto; min-width: 60%; }
table.stages td:first-child { min-width: 180px; }
table.stages .num { min-width: 90px; }
table.stages .none { margin: 0; }
pre { white-space: pre-wrap; word-break: break-word; line-height: 1.5; }
pre.raw { background: #fafbfc; }
mark.removed { background: #fde2e0; color: #9b2c24; text-decoration: line-through; }
@media (max-width: 900px) { .cards, .pair { grid-template-columns: 1fr; } }
"""
