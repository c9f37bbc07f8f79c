package io.qwenstream.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class AdmissionTest {

    @Test
    void aFullWorkerMakesTheNextRecordWaitForAReleasedPlace() {
        Admission admission = new Admission(2);
        assertTrue(admission.acquire().toCompletableFuture().isDone());
        assertTrue(admission.acquire().toCompletableFuture().isDone());
        CompletableFuture<Void> third = admission.acquire().toCompletableFuture();
        CompletableFuture<Void> fourth = admission.acquire().toCompletableFuture();
        assertFalse(third.isDone(), "both places taken: the channel waits, so the consumer pauses");
        assertEquals(2, admission.taken());

        admission.release();
        assertTrue(third.isDone(), "a released place goes straight to the first waiter");
        assertFalse(fourth.isDone());
        admission.release();
        assertTrue(fourth.isDone());
        admission.release();
        admission.release();
        assertEquals(0, admission.taken());
        assertThrows(IllegalStateException.class, admission::release);
    }
}
