package htmlreport

import "html/template"

// page is the HTML skeleton. html/template escapes every string it
// inserts; only the chart SVG, built with esc, goes in as markup.
var page = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
:root{--ink:#1c2430;--muted:#5f6b7a;--line:#d9dee5;--soft:#f4f6f9;--accent:#1f3a5f}
*{box-sizing:border-box}
body{margin:0;background:var(--soft);color:var(--ink);font:15px/1.5 system-ui,-apple-system,"Segoe UI","Noto Sans","Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei","DejaVu Sans",sans-serif}
header.doc{background:var(--accent);color:#fff;padding:28px 0 24px}
header.doc .wrap,main,footer{max-width:1000px;margin:0 auto;padding:0 24px}
header.doc h1{margin:0;font-size:28px;font-weight:600;letter-spacing:.01em}
header.doc p{margin:6px 0 0;color:#d5deea;overflow-wrap:anywhere}
nav.toc{margin:20px auto 0;max-width:1000px;padding:0 24px}
nav.toc ol{margin:0;padding:12px 16px 12px 36px;background:#fff;border:1px solid var(--line);border-radius:6px;columns:2;column-gap:32px}
nav.toc a{color:var(--accent)}
main{padding-top:20px;padding-bottom:8px}
section.report{background:#fff;border:1px solid var(--line);border-radius:6px;padding:20px 28px 24px;margin:0 0 24px}
section.report>h2{margin:0 0 4px;font-size:22px;font-weight:600}
.meta{margin:0 0 12px;color:var(--muted);font-size:13px}
.meta code{font-size:12px;overflow-wrap:anywhere}
figure.chart{margin:18px 0 22px;break-inside:avoid}
figure.chart>figcaption{font-weight:600;font-size:16px;margin:0 0 6px}
figure.chart p.caption{margin:4px 0 0;color:var(--muted);font-size:13px}
svg.plot{display:block;width:100%;max-width:800px;height:auto;overflow:visible}
svg.plot text{font-size:12px;fill:#3a4452}
svg.plot text.value{font-size:11px;fill:#1c2430}
svg.plot text.title{fill:#1c2430;font-weight:600}
svg.plot text.muted{fill:var(--muted)}
svg.plot .grid{stroke:#e6e9ee}
svg.plot .zero,svg.plot .base{stroke:#8c96a3}
svg.plot rect.empty{fill:#fafbfc;stroke:var(--line)}
svg.plot .whisker{stroke:#555;stroke-width:1.5}
svg.plot .median{stroke:#1c2430;stroke-width:3}
svg.plot .link{stroke-opacity:.55}
svg.plot .node{fill:#3a4452;stroke:#fff;stroke-width:1.5}
svg.plot text.node-label{fill:#1c2430}
svg.plot text.edge-label{font-size:11px;font-weight:600;fill:#1c2430;paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round}
.table-wrap{overflow-x:auto;margin:8px 0 0;border:1px solid var(--line);border-radius:4px}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{padding:5px 10px;border-bottom:1px solid #edf0f3;vertical-align:top;unicode-bidi:isolate}
th{background:#eef1f5;text-align:left;font-weight:600;position:sticky;top:0}
th.n,td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.null{text-align:right;color:#9aa3ae}
tbody tr:nth-child(even){background:#f9fafb}
tbody tr:hover{background:#eef4fb}
p.none{color:var(--muted);font-style:italic}
details.columns{margin:10px 0 0;font-size:13px}
details.columns summary{cursor:pointer;color:var(--accent)}
details.columns dt{font-weight:600;margin-top:6px}
details.columns dt code{font-weight:400;color:var(--muted)}
details.columns dd{margin:0 0 0 16px}
ul.notes{margin:14px 0 0;padding-left:20px;color:#3a4452;font-size:13px}
footer{color:var(--muted);font-size:12px;padding-bottom:24px}
@media print{body{background:#fff}header.doc{background:none;color:var(--ink);padding:0 0 8px;border-bottom:2px solid var(--ink)}header.doc p{color:var(--muted)}nav.toc{display:none}section.report{border:none;padding:0;break-before:page}th{position:static}details.columns{display:none}}
</style>
</head>
<body>
<header class="doc"><div class="wrap">
<h1>{{.Title}}</h1>
{{- if .Subtitle}}
<p>{{.Subtitle}}</p>
{{- end}}
{{- if .GeneratedAt}}
<p>Generated {{.GeneratedAt}}</p>
{{- end}}
</div></header>
{{- if gt (len .Reports) 1}}
<nav class="toc"><ol>
{{- range .Reports}}
<li><a href="#{{.Anchor}}">{{.Title}}</a></li>
{{- end}}
</ol></nav>
{{- end}}
<main>
{{- range .Reports}}
<section class="report" id="{{.Anchor}}">
<h2>{{.Title}}</h2>
<p class="meta">{{if .Projection}}<code>{{.Projection}}</code>{{end}}{{if .Query}} · {{.Query}}{{end}}{{if .Position}} · position {{.Position}}{{end}}{{if .Digest}} · state digest <code>{{.Digest}}</code>{{end}}</p>
{{- range .Figures}}
<figure class="chart" data-kind="{{.Kind}}" data-chart="{{.ID}}">
<figcaption>{{.Title}}</figcaption>
{{.SVG}}
{{- range .Caption}}
<p class="caption">{{.}}</p>
{{- end}}
</figure>
{{- end}}
{{- if .Rows}}
<div class="table-wrap"><table>
<thead><tr>{{range .Columns}}<th{{if .Num}} class="n"{{end}}{{if .Note}} title="{{.Note}}"{{end}}>{{.Title}}</th>{{end}}</tr></thead>
<tbody>
{{- range .Rows}}
<tr>{{range .}}<td{{if .Class}} class="{{.Class}}"{{end}}>{{.Text}}</td>{{end}}</tr>
{{- end}}
</tbody>
</table></div>
{{- else}}
<p class="none">No rows: nothing in the ledger matches this query.</p>
{{- end}}
{{- if .Columns}}
<details class="columns"><summary>Column definitions</summary><dl>
{{- range .Columns}}
<dt>{{.Title}} <code>{{.Key}}</code></dt>{{if .Note}}<dd>{{.Note}}</dd>{{end}}
{{- end}}
</dl></details>
{{- end}}
{{- if .Notes}}
<ul class="notes">
{{- range .Notes}}
<li>{{.}}</li>
{{- end}}
</ul>
{{- end}}
</section>
{{- else}}
<p class="none">No reports.</p>
{{- end}}
</main>
<footer>govledger · figures derived by replaying the ledger{{if .GeneratedAt}} · generated {{.GeneratedAt}}{{end}}</footer>
</body>
</html>
`))
