package io.qwenstream.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwenstream.schemas.InferenceResponse;
import io.qwenstream.schemas.Messages;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;

/**
 * OpenAI-compatible entry (non-streaming): the chat.completion request becomes an InferenceRequest
 * on qwen.requests — the same path, checks and error codes as any producer's — and the answer is
 * the InferenceResponse from qwen.responses as a chat.completion, thinking in {@code reasoning_content}.
 */
@Path("/v1/chat/completions")
public class ChatCompletionsResource {

    private final MutinyEmitter<byte[]> requests;
    private final PendingResponses pending;
    private final Duration timeout;
    private final String defaultModel;

    ChatCompletionsResource(
            @Channel("requests-out") MutinyEmitter<byte[]> requests, PendingResponses pending, IngestConfig config) {
        this.requests = requests;
        this.pending = pending;
        this.timeout = config.http().timeout();
        this.defaultModel = config.http().modelName();
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<Response> create(JsonNode body) {
        OpenAiMapping.Unsupported unsupported = OpenAiMapping.unsupported(body);
        if (unsupported != null) {
            return Uni.createFrom()
                    .item(status(
                            400,
                            OpenAiMapping.error(
                                    unsupported.message(),
                                    "invalid_request_error",
                                    unsupported.param(),
                                    "unsupported")));
        }
        String requestId = "chatcmpl-" + UUID.randomUUID();
        String model = body.path("model").isTextual() ? body.get("model").asText() : defaultModel;
        ObjectNode request = OpenAiMapping.toInferenceRequest(body, requestId);
        CompletableFuture<InferenceResponse> answer = pending.expect(requestId);
        Message<byte[]> record = Message.of(
                Messages.toJson(request),
                Metadata.of(OutgoingKafkaRecordMetadata.<String>builder()
                        .withKey(requestId)
                        .build()));
        return requests.sendMessage(record)
                .chain(() -> Uni.createFrom().completionStage(answer))
                .ifNoItem()
                .after(timeout)
                .failWith(TimeoutException::new)
                .map(response -> OpenAiMapping.toResponse(response, model))
                .map(mapped -> status(mapped.status(), mapped.body()))
                .onFailure(TimeoutException.class)
                .recoverWithItem(() -> status(
                        504,
                        OpenAiMapping.error(
                                "no response for " + requestId + " within " + timeout.toSeconds() + " s",
                                "timeout",
                                null,
                                "timeout")))
                .eventually(() -> answer.cancel(false));
    }

    private static Response status(int status, JsonNode body) {
        return Response.status(status)
                .entity(body)
                .type(MediaType.APPLICATION_JSON)
                .build();
    }
}
