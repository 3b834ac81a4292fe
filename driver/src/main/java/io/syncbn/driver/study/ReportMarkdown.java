package io.syncbn.driver.study;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Renders a {@link ReportContent} as {@code report.md} (GitHub-flavoured Markdown). The charts are
 * linked by file name, so the Markdown is read next to the PNGs; {@code report.html} is the
 * self-contained rendering.
 */
final class ReportMarkdown {

    /** Characters that are markup in Markdown text or in a table cell. */
    private static final Pattern MARKUP = Pattern.compile("[\\\\`*_\\[\\]<>|#]");
    private static final Pattern BACKTICKS = Pattern.compile("`+");

    private ReportMarkdown() {
    }

    /** The Markdown text of {@code c}. */
    static String render(ReportContent c) {
        StringBuilder md = new StringBuilder();
        md.append("# ").append(escape(c.title())).append("\n\n## Setup\n\n");
        for (String[] item : c.setup()) {
            md.append("- **").append(item[0]).append("**: ").append(escape(item[1])).append('\n');
        }
        md.append("- **Command**: ").append(code(c.command())).append("\n\n## Findings\n\n");
        for (String f : c.findings()) {
            md.append("- ").append(escape(f)).append('\n');
        }
        md.append("\n## Charts\n\n");
        for (ReportContent.Chart chart : c.charts()) {
            md.append("![").append(chart.alt()).append("](").append(chart.fileName()).append(")\n\n")
                    .append(escape(chart.caption())).append("\n\n");
        }
        for (String note : c.chartNotes()) {
            md.append(escape(note)).append("\n\n");
        }
        md.append("## All cells\n\n");
        row(md, StudyTable.HEADINGS);
        md.append('|');
        for (int i = 0; i < StudyTable.HEADINGS.size(); i++) {
            md.append(i < 3 ? " --- |" : " ---: |");
        }
        md.append('\n');
        for (List<String> r : c.table()) {
            row(md, r);
        }
        md.append("\nPer-layer values are in study.csv.\n\n## How to read this\n\n");
        for (String[] g : c.glossary()) {
            md.append("- **").append(escape(g[0])).append("**: ").append(escape(g[1])).append('\n');
        }
        return md.toString();
    }

    private static void row(StringBuilder md, List<String> cells) {
        md.append('|');
        for (String cell : cells) {
            md.append(' ').append(escape(cell)).append(" |");
        }
        md.append('\n');
    }

    /** {@code text} with every Markdown markup character backslash-escaped and line breaks as spaces. */
    static String escape(String text) {
        return MARKUP.matcher(text.replaceAll("[\\r\\n]+", " ")).replaceAll(m -> Matcher.quoteReplacement("\\"
                + m.group()));
    }

    /** {@code text} as a code span, with a fence longer than any run of backticks inside. */
    static String code(String text) {
        String t = text.replaceAll("[\\r\\n]+", " ");
        int longest = 0;
        Matcher m = BACKTICKS.matcher(t);
        while (m.find()) {
            longest = Math.max(longest, m.group().length());
        }
        String fence = "`".repeat(longest + 1);
        return longest == 0 ? fence + t + fence : fence + " " + t + " " + fence;
    }
}
