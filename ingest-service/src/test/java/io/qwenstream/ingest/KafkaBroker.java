package io.qwenstream.ingest;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.qwenstream.local.kafka.LocalKafka;
import io.qwenstream.local.kafka.Topics;
import java.util.Map;

/** One real KRaft broker (a child JVM) with the pipeline's topics, for a whole @QuarkusTest class. */
public class KafkaBroker implements QuarkusTestResourceLifecycleManager {

    public static volatile LocalKafka kafka;

    @Override
    public Map<String, String> start() {
        kafka = LocalKafka.start();
        kafka.createTopics(Topics.defaults());
        return Map.of("kafka.bootstrap.servers", kafka.bootstrapServers());
    }

    @Override
    public void stop() {
        if (kafka != null) kafka.close();
    }
}
