package io.qwenstream.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class ParallelTest {

    @Test
    void manySmallRegionsVisitEveryIndexExactlyOnce() {
        AtomicIntegerArray visits = new AtomicIntegerArray(64);
        for (int region = 0; region < 20_000; region++) {
            int n = 1 + region % 64;
            for (int i = 0; i < n; i++) visits.set(i, 0);
            Parallel.parallelFor(n, i -> visits.incrementAndGet(i));
            for (int i = 0; i < n; i++) assertEquals(1, visits.get(i), "region " + region + " index " + i);
        }
    }

    @Test
    void rangesTileTheIndexSpaceInOneChunkPerThread() {
        int n = 1000;
        int[] owner = new int[n];
        Set<Long> chunks = ConcurrentHashMap.newKeySet();
        Parallel.parallelForRange(n, (start, end) -> {
            chunks.add((long) start << 32 | end);
            for (int i = start; i < end; i++) owner[i]++;
        });
        for (int i = 0; i < n; i++) assertEquals(1, owner[i]);
        assertEquals(Math.min(n, Parallel.threads()), chunks.size());
    }

    @Test
    void workersSeeTheCallersWritesAndTheCallerSeesTheirs() {
        float[] data = new float[10_000];
        for (int round = 1; round <= 200; round++) {
            float r = round;
            for (int i = 0; i < data.length; i++) data[i] = r;
            Parallel.parallelForRange(data.length, (start, end) -> {
                for (int i = start; i < end; i++) data[i] = data[i] * 2 + 1;
            });
            for (float v : data) assertEquals(r * 2 + 1, v);
        }
    }

    @Test
    void aFailureInAnyChunkReachesTheCallerAndThePoolKeepsWorking() {
        for (int failing : new int[] {0, 999}) { // the caller's own chunk, and the last worker's
            IllegalStateException thrown = assertThrows(
                    IllegalStateException.class,
                    () -> Parallel.parallelFor(1000, i -> {
                        if (i == failing) throw new IllegalStateException("bad index " + i);
                    }));
            assertEquals("bad index " + failing, thrown.getMessage());
        }
        Error error = new AssertionError("worker error");
        assertSame(
                error,
                assertThrows(
                        AssertionError.class,
                        () -> Parallel.parallelFor(1000, i -> {
                            if (i == 500) throw (AssertionError) error;
                        })));
        int[] count = new int[1000];
        Parallel.parallelFor(1000, i -> count[i]++);
        for (int c : count) assertEquals(1, c);
    }

    @Test
    void nestedRegionsRunInlineWithoutDeadlock() {
        AtomicIntegerArray cells = new AtomicIntegerArray(100 * 100);
        Parallel.parallelFor(100, i -> Parallel.parallelFor(100, j -> cells.incrementAndGet(i * 100 + j)));
        for (int k = 0; k < cells.length(); k++) assertEquals(1, cells.get(k));
    }

    @Test
    void threadCountIsFixedOnceThePoolRuns() {
        Parallel.parallelFor(2, i -> {});
        int running = Parallel.threads();
        assertTrue(running >= 1);
        Parallel.setThreads(running); // the same size is fine
        assertThrows(IllegalStateException.class, () -> Parallel.setThreads(running + 1));
        assertThrows(IllegalArgumentException.class, () -> Parallel.setThreads(0));
    }
}
