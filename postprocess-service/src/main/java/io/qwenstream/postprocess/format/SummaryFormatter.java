package io.qwenstream.postprocess.format;

import io.qwenstream.schemas.SummarizeStyle;
import java.text.BreakIterator;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Shapes a model's summary by style and keeps it within {@code max_words} ({@link Words}), cutting at a
 * word boundary:
 * <ul>
 * <li>bullets: lines starting with "- ", "* ", "• ", "1." or "1)" become {@code bullets}; lines around them
 *     (a "Here is a summary:" preamble) are dropped; a text without such lines gives one bullet per sentence.
 *     {@code text} is the list as "- item" lines.</li>
 * <li>paragraph: one paragraph, list markers and line breaks gone; no bullets.</li>
 * <li>issue_resolution: the lines labelled "Problem:"/"Issue:" (with "Cause: …" appended) and
 *     "Resolution:"/"Solution:"/"Fix:" (with "Open questions: …" appended unless it says none), bullet
 *     markers and markdown bold allowed, as ingest asks the model for them; without labels the first sentence
 *     is the issue and the rest the resolution. {@code text} is "Issue: …\nResolution: …".</li>
 * </ul>
 * The limit counts every word of {@code text}, markers and labels included, so {@code text} itself is never
 * over it; {@code bullets}, {@code issue} and {@code resolution} are parts of it.
 */
public final class SummaryFormatter {

    /** {@code issue} and {@code resolution} are set for style issue_resolution only. */
    public record Summary(String text, List<String> bullets, String issue, String resolution) {}

    private static final Pattern BULLET = Pattern.compile("^\\s*(?:[-*•‣◦·–]|\\d{1,3}[.)])\\s+(.*\\S)\\s*$");
    private static final String BOLD = "(?:\\*\\*|__)?";
    private static final Pattern ISSUE = label("issue|problem|the issue|the problem");
    private static final Pattern CAUSE = label("cause|root cause|the cause");
    private static final Pattern RESOLUTION = label("resolution|solution|fix|the resolution|the solution|resolved by");
    private static final Pattern OPEN_QUESTIONS = label("open questions?|remaining questions?|follow[- ]?ups?");
    /** An "Open questions" value that says there are none. */
    private static final Pattern NOTHING =
            Pattern.compile("\\W*(?:none|n/?a|nothing|no)\\W*", Pattern.CASE_INSENSITIVE);

    private static final Pattern PREAMBLE = Pattern.compile(
            "^(?:sure|okay|ok|certainly)?[!,.]?\\s*(?:here(?:'s| is| are)\\b[^\\n]{0,60}|(?:\\w+\\s+)?summary[^\\n]{0,40}):\\s*$",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);

    private static Pattern label(String names) {
        return Pattern.compile(
                "^\\s*(?:[-*•]\\s*)?" + BOLD + "\\s*(?:" + names + ")\\s*" + BOLD + "\\s*[:：]\\s*" + BOLD + "\\s*(.*)$",
                Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
    }

    private SummaryFormatter() {}

    /** @param maxWords null for no limit */
    public static Summary format(String answer, SummarizeStyle style, Integer maxWords) {
        int limit = maxWords == null ? Integer.MAX_VALUE : Math.max(0, maxWords);
        return switch (style) {
            case BULLETS -> bullets(answer, limit);
            case PARAGRAPH -> {
                String text = Words.truncate(paragraph(answer), limit);
                yield new Summary(text, List.of(), null, null);
            }
            case ISSUE_RESOLUTION -> issueResolution(answer, limit);
        };
    }

    private static Summary bullets(String answer, int limit) {
        List<String> items = new ArrayList<>();
        boolean inItem = false;
        for (String line : answer.strip().split("\\R")) {
            Matcher bullet = BULLET.matcher(line);
            if (bullet.matches()) {
                items.add(bullet.group(1).strip());
                inItem = true;
            } else if (inItem && !line.isBlank() && Character.isWhitespace(line.charAt(0))) {
                // An indented line right under an item continues it.
                int last = items.size() - 1;
                items.set(last, items.get(last) + " " + line.strip());
            } else {
                inItem = false;
            }
        }
        if (items.isEmpty()) items.addAll(sentences(paragraph(answer)));
        // Each item costs its words plus one for its "-" marker in the text.
        List<String> kept = new ArrayList<>();
        int left = limit;
        for (String item : items) {
            if (left < 2) break;
            String cut = Words.truncate(item, left - 1);
            kept.add(cut);
            left -= 1 + Words.count(cut);
        }
        StringBuilder text = new StringBuilder();
        for (String item : kept)
            text.append(text.isEmpty() ? "" : "\n").append("- ").append(item);
        return new Summary(text.toString(), List.copyOf(kept), null, null);
    }

    private static Summary issueResolution(String answer, int limit) {
        StringBuilder issue = new StringBuilder();
        StringBuilder resolution = new StringBuilder();
        StringBuilder target = null;
        for (String line : answer.strip().split("\\R")) {
            Matcher isIssue = ISSUE.matcher(line);
            Matcher isCause = CAUSE.matcher(line);
            Matcher isResolution = RESOLUTION.matcher(line);
            Matcher isOpen = OPEN_QUESTIONS.matcher(line);
            if (isIssue.matches()) {
                target = issue;
                line = isIssue.group(1);
            } else if (isCause.matches()) {
                target = issue;
                line = "Cause: " + isCause.group(1);
            } else if (isResolution.matches()) {
                target = resolution;
                line = isResolution.group(1);
            } else if (isOpen.matches()) {
                target = NOTHING.matcher(isOpen.group(1)).matches() ? null : resolution;
                line = "Open questions: " + isOpen.group(1);
            }
            if (target != null) target.append(' ').append(stripMarker(line));
        }
        String issueText = collapse(issue.toString());
        String resolutionText = collapse(resolution.toString());
        if (issueText.isEmpty() && resolutionText.isEmpty()) {
            List<String> sentences = sentences(paragraph(answer));
            issueText = sentences.isEmpty() ? "" : sentences.getFirst();
            resolutionText = String.join(" ", sentences.subList(Math.min(1, sentences.size()), sentences.size()));
        }
        // The labels "Issue:" and "Resolution:" are a word each in the text.
        int left = Math.max(0, limit - 2);
        int issueWords = Words.count(issueText);
        int resolutionWords = Words.count(resolutionText);
        if (issueWords + resolutionWords > left) {
            // Share the words in proportion, so neither part vanishes when both fit in part.
            int issueShare = (int) Math.round((double) left * issueWords / (issueWords + resolutionWords));
            issueShare = Math.min(issueWords, issueShare);
            int resolutionShare = Math.min(resolutionWords, left - issueShare);
            issueShare = Math.min(issueWords, left - resolutionShare);
            issueText = Words.truncate(issueText, issueShare);
            resolutionText = Words.truncate(resolutionText, resolutionShare);
        }
        String text = limit < 2 ? "" : "Issue: " + issueText + "\nResolution: " + resolutionText;
        return new Summary(text.strip(), List.of(), issueText, resolutionText);
    }

    /** One paragraph: preamble line, list markers and line breaks removed. */
    static String paragraph(String answer) {
        StringBuilder out = new StringBuilder();
        String[] lines = answer.strip().split("\\R");
        for (int i = 0; i < lines.length; i++) {
            if (i == 0 && lines.length > 1 && PREAMBLE.matcher(lines[0].strip()).matches()) continue;
            out.append(' ').append(stripMarker(lines[i]));
        }
        return collapse(out.toString());
    }

    private static String stripMarker(String line) {
        Matcher bullet = BULLET.matcher(line);
        return bullet.matches() ? bullet.group(1) : line;
    }

    private static String collapse(String text) {
        return text.strip().replaceAll("\\s+", " ");
    }

    private static List<String> sentences(String text) {
        List<String> sentences = new ArrayList<>();
        BreakIterator iterator = BreakIterator.getSentenceInstance(Locale.ROOT);
        iterator.setText(text);
        for (int start = iterator.first(), end = iterator.next();
                end != BreakIterator.DONE;
                start = end, end = iterator.next()) {
            String sentence = text.substring(start, end).strip();
            if (!sentence.isEmpty()) sentences.add(sentence);
        }
        return sentences;
    }
}
