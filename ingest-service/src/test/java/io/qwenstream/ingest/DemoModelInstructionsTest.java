package io.qwenstream.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qwenstream.schemas.ChatMessage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The demo model (tools/demo-model) is trained on the translate and summarise prompts that ingest
 * sends, copied word for word into its data generator; tools/demo-model/instructions.json holds
 * what the generator writes. A change to {@link TaskInstructions} makes this fail: then the demo
 * model's data (gen_data.py) must follow, and the model be trained again.
 */
class DemoModelInstructionsTest {

    private static final Path CASES = Path.of("..", "tools", "demo-model", "instructions.json");

    @Test
    void theDemoModelLearntTheInstructionsIngestSends() throws IOException {
        JsonNode cases = new ObjectMapper().readTree(CASES.toFile());
        assertTrue(cases.size() >= 7, "cases in " + CASES);
        for (JsonNode c : cases) {
            TaskInstructions.Input input = c.get("conversation").asBoolean()
                    ? new TaskInstructions.Input(null, List.of(ChatMessage.user("Hi")))
                    : new TaskInstructions.Input("Hi", null);
            String system = c.get("task").asText().equals("translate")
                    ? TaskInstructions.translate(input, c.get("target").asText(), text(c, "source"), null)
                            .system()
                    : TaskInstructions.summarize(
                                    input,
                                    text(c, "style"),
                                    c.get("max_words").isNull()
                                            ? null
                                            : c.get("max_words").asInt())
                            .system();
            assertEquals(c.get("expected").asText(), system, c.toString());
        }
    }

    private static String text(JsonNode node, String field) {
        return node.get(field).isNull() ? null : node.get(field).asText();
    }
}
