package io.qwenstream.postprocess.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwenstream.postprocess.format.SummaryFormatter.Summary;
import io.qwenstream.schemas.SummarizeStyle;
import java.util.List;
import org.junit.jupiter.api.Test;

class SummaryFormatterTest {

    @Test
    void bulletsOfEveryMarkerKindBecomeAList() {
        String answer = """
                Here is a summary:
                - Kafka stores events.
                * Topics have partitions.
                • Consumers form groups.
                1. Brokers replicate.
                2) Offsets are committed.
                  and survive restarts.
                That is all.""";
        Summary summary = SummaryFormatter.format(answer, SummarizeStyle.BULLETS, null);
        assertEquals(
                List.of(
                        "Kafka stores events.",
                        "Topics have partitions.",
                        "Consumers form groups.",
                        "Brokers replicate.",
                        "Offsets are committed. and survive restarts."),
                summary.bullets());
        assertEquals(
                "- Kafka stores events.\n- Topics have partitions.\n- Consumers form groups.\n- Brokers replicate.\n"
                        + "- Offsets are committed. and survive restarts.",
                summary.text());
    }

    @Test
    void bulletsFromAParagraphAreItsSentences() {
        Summary summary =
                SummaryFormatter.format("Kafka stores events. Topics have partitions.", SummarizeStyle.BULLETS, null);
        assertEquals(List.of("Kafka stores events.", "Topics have partitions."), summary.bullets());
    }

    @Test
    void bulletsStayWithinMaxWordsMarkersIncluded() {
        String answer = "- one two three four\n- five six seven\n- eight nine";
        for (int max = 0; max <= 12; max++) {
            Summary summary = SummaryFormatter.format(answer, SummarizeStyle.BULLETS, max);
            assertTrue(Words.count(summary.text()) <= max, max + ": " + summary.text());
            assertTrue(summary.text().split("\\s+").length <= Math.max(1, max), max + ": " + summary.text());
        }
        Summary six = SummaryFormatter.format(answer, SummarizeStyle.BULLETS, 7);
        assertEquals(List.of("one two three four", "five"), six.bullets());
        assertEquals("- one two three four\n- five", six.text());
    }

    @Test
    void paragraphJoinsLinesDropsMarkersAndTruncates() {
        String answer = "Summary:\n- Kafka stores events\n- durably.\n\nIt scales out.";
        assertEquals(
                new Summary("Kafka stores events durably. It scales out.", List.of(), null, null),
                SummaryFormatter.format(answer, SummarizeStyle.PARAGRAPH, null));
        assertEquals(
                "Kafka stores events",
                SummaryFormatter.format(answer, SummarizeStyle.PARAGRAPH, 3).text());
    }

    @Test
    void issueResolutionReadsLabelsInAnyCommonSpelling() {
        String answer =
                "**Issue:** The broker ran out of disk.\nOld segments were never deleted.\n\n**Resolution:** Retention was set to 7 days.";
        Summary summary = SummaryFormatter.format(answer, SummarizeStyle.ISSUE_RESOLUTION, null);
        assertEquals("The broker ran out of disk. Old segments were never deleted.", summary.issue());
        assertEquals("Retention was set to 7 days.", summary.resolution());
        assertEquals(
                "Issue: The broker ran out of disk. Old segments were never deleted.\nResolution: Retention was set to 7 days.",
                summary.text());
        Summary other = SummaryFormatter.format(
                "Problem - none\nproblem: disk full\nSolution: more disk", SummarizeStyle.ISSUE_RESOLUTION, null);
        assertEquals("disk full", other.issue());
        assertEquals("more disk", other.resolution());
    }

    @Test
    void issueResolutionReadsTheFourLabelledBulletsIngestAsksFor() {
        String answer = "- Problem: Orders failed at checkout.\n- Cause: An expired TLS certificate.\n"
                + "- Resolution: The certificate was renewed.\n- Open questions: none";
        Summary summary = SummaryFormatter.format(answer, SummarizeStyle.ISSUE_RESOLUTION, null);
        assertEquals("Orders failed at checkout. Cause: An expired TLS certificate.", summary.issue());
        assertEquals("The certificate was renewed.", summary.resolution());
        Summary open = SummaryFormatter.format(
                answer.replace("none", "Why did monitoring miss it?"), SummarizeStyle.ISSUE_RESOLUTION, null);
        assertEquals("The certificate was renewed. Open questions: Why did monitoring miss it?", open.resolution());
    }

    @Test
    void issueResolutionWithoutLabelsSplitsAfterTheFirstSentence() {
        Summary summary = SummaryFormatter.format(
                "The login page crashed. We rolled back the release. It works now.",
                SummarizeStyle.ISSUE_RESOLUTION,
                null);
        assertEquals("The login page crashed.", summary.issue());
        assertEquals("We rolled back the release. It works now.", summary.resolution());
    }

    @Test
    void issueResolutionSharesTheWordLimitAndCountsTheLabels() {
        String answer = "Issue: a b c d e f g h\nResolution: i j k l";
        for (int max = 0; max <= 16; max++) {
            Summary summary = SummaryFormatter.format(answer, SummarizeStyle.ISSUE_RESOLUTION, max);
            assertTrue(
                    summary.text().isEmpty() ? true : summary.text().split("\\s+").length <= max,
                    max + ": " + summary.text());
        }
        Summary eight = SummaryFormatter.format(answer, SummarizeStyle.ISSUE_RESOLUTION, 8);
        assertEquals("a b c d", eight.issue());
        assertEquals("i j", eight.resolution());
    }
}
