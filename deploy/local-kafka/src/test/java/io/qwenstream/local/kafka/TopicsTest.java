package io.qwenstream.local.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class TopicsTest {

    @Test
    void defaultsAreThePipelineNames() {
        Topics topics = Topics.defaults();
        assertEquals("qwen.requests", topics.requests());
        assertEquals("qwen.requests.dlq", topics.requestsDlq());
        assertEquals("qwen.inference", topics.inference());
        assertEquals("qwen.control", topics.control());
        assertEquals("qwen.tokens", topics.tokens());
        assertEquals("qwen.responses", topics.responses());
        assertEquals("qwen.responses.stream", topics.responsesStream());
        assertEquals("qwen.conversations", topics.conversations());
        assertEquals(topics, Topics.fromConfig(Map.of()));
    }

    @Test
    void namesAreOverriddenByConfigAndTheDlqFollowsTheRequestsTopic() {
        Topics topics = Topics.fromConfig(
                Map.of("qwenstream.topics.requests", "t1.requests", "qwenstream.topics.responses-stream", "t1.stream"));
        assertEquals("t1.requests", topics.requests());
        assertEquals("t1.requests.dlq", topics.requestsDlq());
        assertEquals("t1.stream", topics.responsesStream());
        assertEquals("qwen.tokens", topics.tokens());

        Properties properties = new Properties();
        properties.putAll(topics.asConfig());
        assertEquals(topics, Topics.fromConfig(properties));
    }

    @Test
    void specsCarryPartitionsOneMebibyteLimitAndCompactionOfConversations() {
        var specs = Topics.defaults().specs();
        assertEquals(8, specs.size());
        for (Topics.Spec spec : specs) {
            assertEquals("1048576", spec.configs().get("max.message.bytes"), spec.name());
            boolean single = spec.name().equals("qwen.requests.dlq")
                    || spec.name().equals("qwen.control")
                    || spec.name().equals("qwen.conversations");
            assertEquals(single ? 1 : 3, spec.partitions(), spec.name());
            assertEquals(
                    spec.name().equals("qwen.conversations") ? "compact" : null,
                    spec.configs().get("cleanup.policy"),
                    spec.name());
        }
    }
}
