package io.qwenstream.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwenstream.engine.Phase;
import io.qwenstream.schemas.ErrorCode;
import io.qwenstream.schemas.ErrorDetail;
import io.qwenstream.schemas.FinishReason;
import io.qwenstream.schemas.MessageValidator;
import io.qwenstream.schemas.Messages;
import io.qwenstream.schemas.TokenChunk;
import io.qwenstream.schemas.Usage;
import io.qwenstream.schemas.Validation;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ChunkStreamTest {

    private final MessageValidator validator = new MessageValidator();

    @Test
    void aChunkBeforeTheLastCarriesItsTextPhaseAndGenerationOnly() throws Exception {
        String json = ChunkStream.json("r1", "g1", new TokenChunker.Chunk<>(3, Phase.THINKING, "Let me", 2, null));
        TokenChunk chunk = valid(json);
        assertEquals("r1", chunk.requestId());
        assertEquals(3, chunk.seq());
        assertEquals(Phase.THINKING, chunk.phase());
        assertEquals("Let me", chunk.text());
        assertEquals(2, chunk.tokenCount());
        assertEquals("g1", chunk.generationId());
        assertFalse(chunk.isLast());
        assertFalse(Messages.mapper().readTree(json).has("finished_at_ms"));
    }

    @Test
    void theLastChunkCarriesTheEndingAndTheTimingFacts() throws Exception {
        Ending ending = new Ending(FinishReason.STOP, new Usage(9, 4, 3, false), null, 1_000L, 1_040L, 1_900L);
        String json = ChunkStream.json("r1", "g1", new TokenChunker.Chunk<>(5, Phase.ANSWER, "!", 1, ending));
        TokenChunk chunk = valid(json);
        assertEquals(FinishReason.STOP, chunk.finishReason());
        assertEquals(new Usage(9, 4, 3, false), chunk.usage());
        JsonNode tree = Messages.mapper().readTree(json);
        assertEquals(1_000L, tree.get("started_at_ms").asLong());
        assertEquals(1_040L, tree.get("first_token_at_ms").asLong());
        assertEquals(1_900L, tree.get("finished_at_ms").asLong());
    }

    @Test
    void aRequestEndedBeforeItStartedHasOnlyItsFinishTime() throws Exception {
        ErrorDetail error = new ErrorDetail(ErrorCode.INTERNAL, "generation failed", null);
        Ending ending = new Ending(FinishReason.ERROR, new Usage(0, 0, 0, false), error, null, null, 1_900L);
        String json = ChunkStream.json("r1", "g1", new TokenChunker.Chunk<>(0, Phase.ANSWER, "", 0, ending));
        TokenChunk chunk = valid(json);
        assertEquals(error, chunk.error());
        JsonNode tree = Messages.mapper().readTree(json);
        assertFalse(tree.has("started_at_ms"));
        assertFalse(tree.has("first_token_at_ms"));
        assertEquals(1_900L, tree.get("finished_at_ms").asLong());
    }

    private TokenChunk valid(String json) {
        return switch (validator.validate(TokenChunk.class, json.getBytes(StandardCharsets.UTF_8))) {
            case Validation.Valid<TokenChunk>(TokenChunk chunk) -> chunk;
            case Validation.Invalid<TokenChunk>(ErrorDetail error) -> fail(json + " is no valid TokenChunk: " + error);
        };
    }
}
