package io.qwenstream.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DuplicateFilterTest {

    @Test
    void anAcceptedIdIsADuplicateUntilTheWindowPasses() {
        DuplicateFilter filter = new DuplicateFilter(Duration.ofSeconds(10), 100);
        assertFalse(filter.isDuplicate("a", 1_000));
        filter.accepted("a", 1_000);
        assertTrue(filter.isDuplicate("a", 1_001));
        assertTrue(filter.isDuplicate("a", 10_999));
        assertFalse(filter.isDuplicate("a", 11_000));
        assertEquals(0, filter.size());
    }

    @Test
    void onlyAcceptedIdsAreRemembered() {
        DuplicateFilter filter = new DuplicateFilter(Duration.ofMinutes(1), 100);
        assertFalse(filter.isDuplicate("refused-then-fixed", 0));
        assertFalse(filter.isDuplicate("refused-then-fixed", 1));
    }

    @Test
    void capacityForgetsTheOldestFirst() {
        DuplicateFilter filter = new DuplicateFilter(Duration.ofMinutes(1), 2);
        filter.accepted("a", 1);
        filter.accepted("b", 2);
        filter.accepted("c", 3);
        assertEquals(2, filter.size());
        assertFalse(filter.isDuplicate("a", 4));
        assertTrue(filter.isDuplicate("b", 4));
        assertTrue(filter.isDuplicate("c", 4));
    }
}
