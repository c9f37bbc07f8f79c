package io.qwenstream.ingest.openai;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwenstream.ingest.IngestConfig;
import io.qwenstream.ingest.TenantLimits;
import io.qwenstream.schemas.ControlMessage;
import io.qwenstream.schemas.InferenceResponse;
import io.qwenstream.schemas.Messages;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.jboss.logging.Logger;

/**
 * The HTTP requests of this instance that wait for their output. Every ingest instance reads all of
 * qwen.responses.stream and qwen.responses from the end (groups of its own) and hands each record to
 * the request it belongs to; the other instances' records pass by. Also the one place that cancels a
 * request through qwen.control, and that bounds how many HTTP requests one instance holds.
 */
@ApplicationScoped
public class InFlight {

    private static final Logger LOG = Logger.getLogger(InFlight.class);

    /** A request's reader; called on Kafka's threads. */
    interface Watcher {
        void delta(JsonNode delta);

        void response(InferenceResponse response);
    }

    private final Map<String, Watcher> watchers = new ConcurrentHashMap<>();
    private final int capacity;
    private final MutinyEmitter<byte[]> requests;
    private final MutinyEmitter<byte[]> control;
    private final TenantLimits limits;

    InFlight(
            IngestConfig config,
            TenantLimits limits,
            @Channel("requests-out") MutinyEmitter<byte[]> requests,
            @Channel("control-out") MutinyEmitter<byte[]> control) {
        this.capacity = config.http().maxInFlight();
        this.requests = requests;
        this.control = control;
        this.limits = limits;
    }

    /** Produces the request to qwen.requests, keyed by its id, like any producer. */
    Uni<Void> send(String requestId, byte[] request) {
        return requests.sendMessage(Message.of(
                request,
                Metadata.of(OutgoingKafkaRecordMetadata.<String>builder()
                        .withKey(requestId)
                        .build())));
    }

    /**
     * Registers the reader before the request is sent, so that a fast answer cannot slip by.
     *
     * @return false when this instance already holds its capacity of requests (nothing registered)
     */
    synchronized boolean watch(String requestId, Watcher watcher) {
        if (watchers.size() >= capacity) return false;
        watchers.put(requestId, watcher);
        return true;
    }

    void forget(String requestId) {
        watchers.remove(requestId);
    }

    /** Asks the worker to stop the request (a client that left, a timeout, a stream that cannot go on). */
    Uni<Void> cancel(String requestId) {
        LOG.infof("cancelling %s", requestId);
        return control.sendMessage(Message.of(
                Messages.toJson(ControlMessage.cancel(requestId)),
                Metadata.of(OutgoingKafkaRecordMetadata.<String>builder()
                        .withKey(requestId)
                        .build())));
    }

    @Incoming("responses-in")
    void onResponse(ConsumerRecord<String, byte[]> record) {
        // Every final response ends a generation, whoever sent its request: the tenant's place is free again.
        if (record.key() != null) limits.finished(record.key());
        Watcher watcher = watcherOf(record);
        if (watcher == null) return;
        InferenceResponse response;
        try {
            response = Messages.fromJson(record.value(), InferenceResponse.class);
        } catch (IllegalArgumentException e) {
            LOG.errorf("qwen.responses record for %s is not an InferenceResponse: %s", record.key(), e.getMessage());
            return;
        }
        watcher.response(response);
    }

    @Incoming("deltas-in")
    void onDelta(ConsumerRecord<String, byte[]> record) {
        Watcher watcher = watcherOf(record);
        if (watcher == null) return;
        JsonNode delta;
        try {
            delta = Messages.mapper().readTree(record.value());
        } catch (IOException e) {
            LOG.errorf("qwen.responses.stream record for %s is not JSON: %s", record.key(), e.getMessage());
            return;
        }
        watcher.delta(delta);
    }

    private Watcher watcherOf(ConsumerRecord<String, byte[]> record) {
        if (record.key() == null || record.value() == null) return null;
        return watchers.get(record.key());
    }
}
