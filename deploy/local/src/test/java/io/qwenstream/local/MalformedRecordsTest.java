package io.qwenstream.local;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwenstream.local.MalformedRecords.Kind;
import io.qwenstream.local.MalformedRecords.Malformed;
import io.qwenstream.schemas.InferenceRequest;
import io.qwenstream.schemas.MessageValidator;
import io.qwenstream.schemas.Validation;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MalformedRecordsTest {

    private static final int BROKER_LIMIT = 1024 * 1024;
    private final MessageValidator validator = new MessageValidator();

    private static MalformedRecords generator(long seed) {
        return new MalformedRecords(seed, "fuzz-t-", MessageValidator.DEFAULT_MAX_RECORD_BYTES, BROKER_LIMIT);
    }

    @Test
    void theStartingRequestIsGood() {
        byte[] good = MalformedRecords.goodRequest("fuzz-t-0").toString().getBytes(StandardCharsets.UTF_8);
        assertInstanceOf(Validation.Valid.class, validator.validateRequest(good));
    }

    @Test
    void everyRecordBreaksTheContract() {
        List<Malformed> records = generator(1).next(3_000, 0);
        Set<Kind> kinds = EnumSet.noneOf(Kind.class);
        for (Malformed record : records) {
            kinds.add(record.kind());
            Validation<InferenceRequest> result = validator.validateRequest(record.value());
            assertInstanceOf(
                    Validation.Invalid.class, result, () -> record.kind() + " (" + record.how() + ") was accepted");
            assertTrue(record.value().length < BROKER_LIMIT, () -> record.how() + " is over the broker's limit");
        }
        assertEquals(EnumSet.allOf(Kind.class), kinds, "every kind is drawn in 3,000 records");
    }

    @Test
    void everyKindMadeManyTimesIsRefused() {
        MalformedRecords generator = generator(2);
        for (Kind kind : Kind.values()) {
            for (int i = 0; i < 200; i++) {
                Malformed record = generator.make("fuzz-t-" + i, kind);
                assertInstanceOf(
                        Validation.Invalid.class,
                        validator.validateRequest(record.value()),
                        () -> kind + " (" + record.how() + ") was accepted");
            }
        }
    }

    @Test
    void theSameSeedMakesTheSameRecords() {
        List<Malformed> first = generator(42).next(500, 0);
        List<Malformed> again = generator(42).next(500, 0);
        for (int i = 0; i < first.size(); i++) {
            assertEquals(first.get(i).key(), again.get(i).key());
            assertArrayEquals(first.get(i).value(), again.get(i).value());
        }
    }

    @Test
    void oversizeRecordsLieBetweenTheServiceLimitAndTheBrokerLimit() {
        MalformedRecords generator = generator(3);
        for (int i = 0; i < 20; i++) {
            int size = generator.make("fuzz-t-" + i, Kind.OVERSIZE).value().length;
            assertTrue(size > MessageValidator.DEFAULT_MAX_RECORD_BYTES && size < BROKER_LIMIT, () -> "size " + size);
        }
    }
}
