package io.qwenstream.ingest.openai;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwenstream.schemas.InferenceResponse;
import io.qwenstream.schemas.Messages;
import io.qwenstream.schemas.ResponseStatus;
import io.vertx.core.Context;
import io.vertx.core.http.HttpServerResponse;
import java.time.Duration;
import org.jboss.logging.Logger;

/**
 * One HTTP chat completion in flight, from the moment its request is registered to the end of its
 * answer. Kafka's threads hand it deltas and the final response; everything it does runs on the HTTP
 * connection's Vert.x context, one step at a time.
 *
 * <p>The status line waits for the first output: a request the pipeline refuses (its error response
 * comes before any delta) gets its HTTP error status and an OpenAI error body, streaming or not. A
 * client that goes away before the end, a timeout, and a stream that cannot go on (a reset after text
 * was shown) cancel the generation through qwen.control.
 */
final class CompletionCall implements InFlight.Watcher {

    private static final Logger LOG = Logger.getLogger(CompletionCall.class);

    private final String requestId;
    private final OpenAiRequests.Call call;
    private final long created;
    private final HttpServerResponse http;
    private final Context context;
    private final InFlight inFlight;
    private final ChunkStream chunks;
    private long timer = -1;
    private boolean sent;
    private boolean clientLeft;
    private boolean done;

    CompletionCall(
            String requestId,
            OpenAiRequests.Call call,
            long created,
            HttpServerResponse http,
            Context context,
            InFlight inFlight) {
        this.requestId = requestId;
        this.call = call;
        this.created = created;
        this.http = http;
        this.context = context;
        this.inFlight = inFlight;
        this.chunks = new ChunkStream(requestId, call.model(), created, call.includeUsage());
    }

    /** On the event loop, before the request is sent: a client that leaves from now on is noticed. */
    void begin() {
        http.closeHandler(closed -> {
            if (done) return;
            LOG.infof("the client of %s went away", requestId);
            finish(sent);
            clientLeft = true;
        });
    }

    /** The request is on Kafka: a client that left cancels it; the timeout runs from now. */
    void sent(Duration timeout) {
        context.runOnContext(v -> {
            sent = true;
            if (clientLeft) {
                cancel();
                return;
            }
            if (done) return;
            timer = context.owner().setTimer(timeout.toMillis(), id -> {
                timer = -1;
                if (done) return;
                OpenAiError late = new OpenAiError(
                        504,
                        "no answer for " + requestId + " within " + timeout.toSeconds() + " s",
                        OpenAiError.SERVER_ERROR,
                        null,
                        "timeout");
                if (http.headWritten()) write(chunks.fail(late));
                else json(late.status(), late.toJson());
                finish(true);
            });
        });
    }

    /** The request never reached Kafka. */
    void notSent(OpenAiError error) {
        context.runOnContext(v -> {
            if (done) return;
            json(error.status(), error.toJson());
            finish(false);
        });
    }

    @Override
    public void delta(JsonNode delta) {
        if (!call.stream()) return;
        context.runOnContext(v -> {
            if (done) return;
            ChunkStream.Events events;
            try {
                events = chunks.delta(delta);
            } catch (RuntimeException e) {
                LOG.errorf(e, "delta of %s unreadable: %s", requestId, delta);
                events = chunks.fail(new OpenAiError(
                        500, "a delta of the stream was unreadable", OpenAiError.SERVER_ERROR, null, "internal"));
            }
            write(events);
            // A stream that ends before the final response leaves a generation nobody reads.
            if (events.end()) finish(true);
        });
    }

    @Override
    public void response(InferenceResponse response) {
        context.runOnContext(v -> {
            if (done) return;
            if (!http.headWritten() && (!call.stream() || response.status() == ResponseStatus.ERROR)) {
                if (response.status() == ResponseStatus.ERROR) {
                    OpenAiError error = OpenAiResponses.error(response.error());
                    json(error.status(), error.toJson());
                } else {
                    json(200, OpenAiResponses.completion(response, call.model(), created));
                }
            } else {
                write(chunks.finish(response));
            }
            finish(false);
        });
    }

    private void write(ChunkStream.Events events) {
        if (!http.headWritten()) {
            http.setStatusCode(200)
                    .putHeader("Content-Type", "text/event-stream; charset=utf-8")
                    .putHeader("Cache-Control", "no-cache")
                    .setChunked(true);
        }
        StringBuilder out = new StringBuilder();
        for (JsonNode data : events.data())
            out.append("data: ").append(Messages.toJsonString(data)).append("\n\n");
        if (events.end() && !events.failed()) out.append("data: [DONE]\n\n");
        if (!out.isEmpty()) http.write(out.toString());
        if (events.end()) http.end();
    }

    private void json(int status, JsonNode body) {
        http.setStatusCode(status).putHeader("Content-Type", "application/json").end(Messages.toJsonString(body));
    }

    private void finish(boolean cancel) {
        done = true;
        inFlight.forget(requestId);
        if (timer >= 0) context.owner().cancelTimer(timer);
        if (cancel) cancel();
    }

    private void cancel() {
        inFlight.cancel(requestId)
                .subscribe()
                .with(ok -> {}, e -> LOG.errorf("cannot cancel %s: %s", requestId, e.toString()));
    }
}
