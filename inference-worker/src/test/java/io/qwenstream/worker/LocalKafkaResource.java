package io.qwenstream.worker;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.qwenstream.local.kafka.LocalKafka;
import io.qwenstream.local.kafka.Topics;
import java.util.Map;

/** A real KRaft broker with the pipeline's topics for one test class; stopped (and its data deleted) after it. */
public class LocalKafkaResource implements QuarkusTestResourceLifecycleManager {

    static LocalKafka kafka;

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
