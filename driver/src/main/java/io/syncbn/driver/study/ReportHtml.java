package io.syncbn.driver.study;

import java.util.Base64;
import java.util.List;

/**
 * Renders a {@link ReportContent} as a self-contained {@code report.html}: the charts are embedded as
 * {@code data:image/png;base64} URIs and the style is inline, so the file can be mailed or archived
 * alone; it loads nothing, links nothing and runs no script. All text is HTML-escaped.
 */
final class ReportHtml {

    private static final String CSS = """
            body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222;
                   background: #fff; margin: 0; }
            main { max-width: 1200px; margin: 0 auto; padding: 1.5em 2em 3em; }
            h1 { font-size: 1.7em; margin-bottom: 0.4em; }
            h2 { font-size: 1.3em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; margin-top: 1.8em; }
            dl.setup { display: grid; grid-template-columns: max-content 1fr; gap: 0.25em 1.2em; }
            dl.setup dt { font-weight: 600; }
            dl.setup dd { margin: 0; }
            code { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, monospace; background: #f4f4f4;
                   padding: 0.1em 0.3em; border-radius: 3px; word-break: break-all; }
            ul.findings li { margin-bottom: 0.6em; line-height: 1.45; }
            figure { margin: 1.2em 0 2em; }
            figure img { display: block; max-width: 100%; height: auto; border: 1px solid #eee; }
            figcaption { color: #555; font-size: 0.92em; margin-top: 0.4em; }
            .table-wrap { overflow-x: auto; }
            table { border-collapse: collapse; font-size: 0.88em; }
            th, td { border: 1px solid #ddd; padding: 0.25em 0.55em; white-space: nowrap; }
            th { background: #f4f4f4; }
            td.num { text-align: right; font-variant-numeric: tabular-nums; }
            tr.reference td { background: #fbf8e8; }
            dl.glossary dt { font-weight: 600; margin-top: 0.6em; }
            dl.glossary dd { margin-left: 1.5em; }
            """;

    private ReportHtml() {
    }

    /** The HTML text of {@code c}. */
    static String render(ReportContent c) {
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>")
                .append(escape(c.title())).append("</title>\n<style>\n").append(CSS).append("</style>\n</head>\n")
                .append("<body>\n<main>\n<h1>").append(escape(c.title())).append("</h1>\n");
        h.append("<h2>Setup</h2>\n<dl class=\"setup\">\n");
        for (String[] item : c.setup()) {
            h.append("<dt>").append(escape(item[0])).append("</dt><dd>").append(escape(item[1])).append("</dd>\n");
        }
        h.append("<dt>Command</dt><dd><code>").append(escape(c.command())).append("</code></dd>\n</dl>\n");
        h.append("<h2>Findings</h2>\n<ul class=\"findings\">\n");
        for (String f : c.findings()) {
            h.append("<li>").append(escape(f)).append("</li>\n");
        }
        h.append("</ul>\n<h2>Charts</h2>\n");
        for (ReportContent.Chart chart : c.charts()) {
            h.append("<figure>\n<img alt=\"").append(escape(chart.alt())).append("\" width=\"").append(chart.width())
                    .append("\" height=\"").append(chart.height()).append("\" src=\"data:image/png;base64,")
                    .append(Base64.getEncoder().encodeToString(chart.png())).append("\">\n<figcaption>")
                    .append(escape(chart.caption())).append("</figcaption>\n</figure>\n");
        }
        for (String note : c.chartNotes()) {
            h.append("<p>").append(escape(note)).append("</p>\n");
        }
        h.append("<h2>All cells</h2>\n<div class=\"table-wrap\">\n<table>\n<thead><tr>");
        for (String heading : StudyTable.HEADINGS) {
            h.append("<th>").append(escape(heading)).append("</th>");
        }
        h.append("</tr></thead>\n<tbody>\n");
        int referenceColumn = StudyTable.HEADINGS.indexOf("reference");
        for (List<String> row : c.table()) {
            h.append(row.get(referenceColumn).equals("yes") ? "<tr class=\"reference\">" : "<tr>");
            for (int i = 0; i < row.size(); i++) {
                // The identity columns are text; the others are numbers, aligned on the right.
                h.append(i < 3 || i == referenceColumn ? "<td>" : "<td class=\"num\">").append(escape(row.get(i)))
                        .append("</td>");
            }
            h.append("</tr>\n");
        }
        h.append("</tbody>\n</table>\n</div>\n<p>Per-layer values are in study.csv.</p>\n");
        h.append("<h2>How to read this</h2>\n<dl class=\"glossary\">\n");
        for (String[] g : c.glossary()) {
            h.append("<dt>").append(escape(g[0])).append("</dt><dd>").append(escape(g[1])).append("</dd>\n");
        }
        return h.append("</dl>\n</main>\n</body>\n</html>\n").toString();
    }

    /** {@code text} with {@code & < > " '} as character references: safe in text and in quoted attributes. */
    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            switch (ch) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(ch);
            }
        }
        return out.toString();
    }
}
