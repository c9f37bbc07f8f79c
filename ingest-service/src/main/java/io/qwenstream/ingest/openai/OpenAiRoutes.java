package io.qwenstream.ingest.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwenstream.ingest.IngestConfig;
import io.qwenstream.ingest.PromptService;
import io.qwenstream.schemas.Messages;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.time.Duration;
import java.util.UUID;

/**
 * The OpenAI-compatible API on the service's HTTP port: {@code POST /v1/chat/completions} (streaming
 * or not), {@code GET /v1/models[/{id}]}, and OpenAI's 404 for any other {@code /v1} path. A chat
 * completion becomes an InferenceRequest on qwen.requests — the same path, checks and error codes as
 * any producer's — and its answer is read back from qwen.responses.stream and qwen.responses.
 * Plain Vert.x routes rather than JAX-RS: the status line of a stream waits for its first output.
 */
@ApplicationScoped
public class OpenAiRoutes {

    /** The header naming the request's tenant (an InferenceRequest's {@code tenant}); the gateway trusts it. */
    static final String TENANT_HEADER = "X-Tenant";

    private final InFlight inFlight;
    private final PromptService prompts;
    private final Duration timeout;
    private final String modelName;
    private final int maxBodyBytes;
    private final long startedAt = System.currentTimeMillis() / 1000;

    /** Emitters are injected into {@link InFlight}: this bean is made when the router is, before messaging starts. */
    OpenAiRoutes(InFlight inFlight, PromptService prompts, IngestConfig config) {
        this.inFlight = inFlight;
        this.prompts = prompts;
        this.timeout = config.http().timeout();
        this.modelName = config.http().modelName();
        this.maxBodyBytes = config.maxRecordBytes();
    }

    void routes(@Observes Router router) {
        router.post("/v1/chat/completions")
                .handler(BodyHandler.create().setBodyLimit(maxBodyBytes))
                .handler(this::chatCompletion)
                .failureHandler(this::failure);
        router.get("/v1/models").handler(ctx -> send(ctx, 200, models()));
        router.get("/v1/models/:model").handler(ctx -> {
            String model = ctx.pathParam("model");
            if (model.equals(modelName)) send(ctx, 200, model());
            else
                send(ctx, OpenAiError.notFound("The model '" + model + "' does not exist", "model", "model_not_found"));
        });
        router.route("/v1/*")
                .handler(ctx -> send(
                        ctx,
                        OpenAiError.notFound(
                                "Invalid URL (" + ctx.request().method() + " "
                                        + ctx.request().path() + ")",
                                null,
                                "unknown_url")));
    }

    private void chatCompletion(RoutingContext ctx) {
        if (!prompts.isReady()) {
            send(ctx, OpenAiError.unavailable("the service is starting: its tokenizer is not loaded yet", "not_ready"));
            return;
        }
        JsonNode body = null;
        Buffer bytes = ctx.body().buffer();
        try {
            if (bytes != null) body = Messages.mapper().readTree(bytes.getBytes());
        } catch (IOException e) {
            body = null;
        }
        if (body == null || body.isMissingNode()) {
            send(ctx, OpenAiError.badRequest("the request body is not valid JSON", null, "invalid_json"));
            return;
        }
        String requestId = "chatcmpl-" + UUID.randomUUID();
        OpenAiRequests.Result mapped = OpenAiRequests.map(body, requestId, modelName);
        if (mapped.error() != null) {
            send(ctx, mapped.error());
            return;
        }
        // OpenAI's body has no tenant: a gateway in front names it in a header (its limits: TenantLimits).
        String tenant = ctx.request().getHeader(TENANT_HEADER);
        if (tenant != null && !tenant.isBlank()) mapped.call().request().put("tenant", tenant.strip());
        CompletionCall call = new CompletionCall(
                requestId,
                mapped.call(),
                System.currentTimeMillis() / 1000,
                ctx.response(),
                Vertx.currentContext(),
                inFlight);
        if (!inFlight.watch(requestId, call)) {
            send(ctx, OpenAiError.tooManyRequests("this server holds as many requests as it may; retry later"));
            return;
        }
        call.begin();
        inFlight.send(requestId, Messages.toJson(mapped.call().request()))
                .subscribe()
                .with(
                        sent -> call.sent(timeout),
                        e -> call.notSent(OpenAiError.unavailable(
                                "the request could not be handed to Kafka: " + e.getMessage(), "broker_unavailable")));
    }

    /** The body handler's refusals (a body over the limit) in OpenAI's shape. */
    private void failure(RoutingContext ctx) {
        if (ctx.statusCode() == 413) {
            send(
                    ctx,
                    new OpenAiError(
                            413,
                            "the request body is larger than " + maxBodyBytes + " bytes",
                            OpenAiError.INVALID_REQUEST,
                            null,
                            "record_too_large"));
        } else {
            ctx.next();
        }
    }

    private ObjectNode models() {
        ObjectNode list = JsonNodeFactory.instance.objectNode();
        list.put("object", "list");
        list.putArray("data").add(model());
        return list;
    }

    private ObjectNode model() {
        return JsonNodeFactory.instance
                .objectNode()
                .put("id", modelName)
                .put("object", "model")
                .put("created", startedAt)
                .put("owned_by", "qwenstream");
    }

    private static void send(RoutingContext ctx, OpenAiError error) {
        send(ctx, error.status(), error.toJson());
    }

    private static void send(RoutingContext ctx, int status, JsonNode body) {
        ctx.response()
                .setStatusCode(status)
                .putHeader("Content-Type", "application/json")
                .end(Messages.toJsonString(body));
    }
}
