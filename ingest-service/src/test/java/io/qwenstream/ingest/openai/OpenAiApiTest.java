package io.qwenstream.ingest.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.qwenstream.ingest.KafkaBroker;
import io.qwenstream.ingest.TopicReader;
import io.qwenstream.local.kafka.Topics;
import io.qwenstream.schemas.ControlAction;
import io.qwenstream.schemas.ControlMessage;
import io.qwenstream.schemas.DeltaKind;
import io.qwenstream.schemas.FinishReason;
import io.qwenstream.schemas.InferenceResponse;
import io.qwenstream.schemas.Messages;
import io.qwenstream.schemas.PreparedRequest;
import io.qwenstream.schemas.ResponseDelta;
import io.qwenstream.schemas.ResponseStatus;
import io.qwenstream.schemas.Usage;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The OpenAI API of the ingest service against a real broker. The HTTP request must come out on
 * qwen.inference (through qwen.requests and the ingest flow); the test then plays worker and
 * postprocessor, writing deltas to qwen.responses.stream and the final response to qwen.responses, and
 * reads what the HTTP client gets. The whole pipeline with the OpenAI SDK: e2e-tests.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaBroker.class, restrictToAnnotatedClass = true)
class OpenAiApiTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static KafkaProducer<byte[], byte[]> producer;
    private static TopicReader inference;
    private static TopicReader control;

    @TestHTTPResource("/")
    URI http;

    @BeforeAll
    static void clients() {
        String bootstrap = KafkaBroker.kafka.bootstrapServers();
        producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                new ByteArraySerializer(),
                new ByteArraySerializer());
        inference = new TopicReader(bootstrap, Topics.INFERENCE);
        control = new TopicReader(bootstrap, Topics.CONTROL);
    }

    @AfterAll
    static void close() {
        producer.close(Duration.ofSeconds(2));
        inference.close();
        control.close();
    }

    private static String json(String singleQuoted) {
        return singleQuoted.replace('\'', '"');
    }

    private HttpRequest post(String body) {
        return HttpRequest.newBuilder(http.resolve("/v1/chat/completions"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json(body)))
                .build();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(http.resolve(path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The PreparedRequest an HTTP request became, found by a word of its user message. */
    private static PreparedRequest prepared(String marker) {
        var record = inference.await(
                "the HTTP request '" + marker + "'",
                r -> Messages.fromJson(r.value(), PreparedRequest.class)
                        .messages()
                        .getLast()
                        .content()
                        .contains(marker));
        return Messages.fromJson(record.value(), PreparedRequest.class);
    }

    private static void produce(String topic, String key, Object message) throws Exception {
        producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), Messages.toJson(message)))
                .get();
    }

    private static InferenceResponse answer(PreparedRequest p, String thinking, String content) {
        return new InferenceResponse(
                1,
                p.requestId(),
                ResponseStatus.OK,
                thinking,
                content,
                null,
                null,
                null,
                new Usage(p.promptTokens(), 3, 2, false),
                null,
                FinishReason.STOP,
                null);
    }

    @Test
    void aChatCompletionGoesThroughKafkaAndBack() throws Exception {
        CompletableFuture<HttpResponse<String>> call = HTTP.sendAsync(
                post("{'model':'qwenstream','messages':[{'role':'user','content':[{'type':'text','text':'plain '},"
                        + "{'type':'text','text':'call'}]}],'temperature':0.5,'max_tokens':32,'stop':'END',"
                        + "'chat_template_kwargs':{'enable_thinking':true},'thinking_budget':16}"),
                HttpResponse.BodyHandlers.ofString());

        PreparedRequest p = prepared("plain call");
        assertEquals(0.5, p.sampling().temperature());
        assertEquals(32, p.sampling().maxTokens());
        assertEquals(List.of("END"), p.sampling().stop());
        assertEquals(16, p.thinking().budgetTokens());
        produce(Topics.RESPONSES, p.requestId(), answer(p, "Let me think.", "Hello!"));

        HttpResponse<String> response = call.get();
        assertEquals(200, response.statusCode(), response.body());
        JsonNode completion = Messages.mapper().readTree(response.body());
        assertEquals(p.requestId(), completion.get("id").asText());
        assertEquals("chat.completion", completion.get("object").asText());
        assertEquals("qwenstream", completion.get("model").asText());
        JsonNode choice = completion.get("choices").get(0);
        assertEquals("Hello!", choice.at("/message/content").asText());
        assertEquals("Let me think.", choice.at("/message/reasoning_content").asText());
        assertEquals("stop", choice.get("finish_reason").asText());
        assertEquals(5, completion.at("/usage/completion_tokens").asInt());
    }

    @Test
    void aStreamIsServerSentChunksThenDone() throws Exception {
        CompletableFuture<HttpResponse<java.util.stream.Stream<String>>> call = HTTP.sendAsync(
                post("{'messages':[{'role':'user','content':'stream please'}],'stream':true,"
                        + "'stream_options':{'include_usage':true}}"),
                HttpResponse.BodyHandlers.ofLines());
        PreparedRequest p = prepared("stream please");
        assertTrue(p.stream(), "the deltas are asked for");
        produce(
                Topics.RESPONSES_STREAM,
                p.requestId(),
                ResponseDelta.of(p.requestId(), "gen-1", 0, DeltaKind.THINKING, "Hm"));
        HttpResponse<java.util.stream.Stream<String>> response = call.get();
        assertEquals(200, response.statusCode());
        assertEquals(
                "text/event-stream; charset=utf-8",
                response.headers().firstValue("Content-Type").orElse(""));
        produce(
                Topics.RESPONSES_STREAM,
                p.requestId(),
                ResponseDelta.of(p.requestId(), "gen-1", 1, DeltaKind.CONTENT, "Hi"));
        produce(Topics.RESPONSES, p.requestId(), answer(p, "Hm", "Hi there"));

        List<String> data = response.body()
                .filter(line -> !line.isEmpty())
                .peek(line -> assertTrue(line.startsWith("data: "), line))
                .map(line -> line.substring("data: ".length()))
                .toList();
        assertEquals("[DONE]", data.getLast());
        List<JsonNode> chunks = new ArrayList<>();
        for (String d : data.subList(0, data.size() - 1))
            chunks.add(Messages.mapper().readTree(d));
        StringBuilder reasoning = new StringBuilder();
        StringBuilder content = new StringBuilder();
        for (JsonNode chunk : chunks) {
            assertEquals("chat.completion.chunk", chunk.get("object").asText());
            assertEquals(p.requestId(), chunk.get("id").asText());
            reasoning.append(chunk.at("/choices/0/delta/reasoning_content").asText(""));
            content.append(chunk.at("/choices/0/delta/content").asText(""));
        }
        assertEquals("Hm", reasoning.toString());
        assertEquals("Hi there", content.toString());
        assertEquals(
                "stop",
                chunks.get(chunks.size() - 2).at("/choices/0/finish_reason").asText());
        assertEquals(
                p.promptTokens() + 5, chunks.getLast().at("/usage/total_tokens").asInt());
    }

    @Test
    void aClientThatLeavesCancelsItsGeneration() throws Exception {
        // The raw request below reads no status: wait until the service takes requests (tokenizer loaded).
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (get("/q/health/ready").statusCode() != 200) {
            if (System.nanoTime() > deadline) throw new AssertionError("not ready within 60 s");
            Thread.onSpinWait();
        }
        String requestId;
        byte[] body = json("{'messages':[{'role':'user','content':'leaving early'}],'stream':true}")
                .getBytes(StandardCharsets.UTF_8);
        // A raw socket: closing it is certainly a client that went away mid-stream.
        try (Socket socket = new Socket(http.getHost(), http.getPort())) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                            + "Content-Length: " + body.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            PreparedRequest p = prepared("leaving early");
            produce(
                    Topics.RESPONSES_STREAM,
                    p.requestId(),
                    ResponseDelta.of(p.requestId(), "gen-1", 0, DeltaKind.CONTENT, "A"));
            BufferedReader in =
                    new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null && !line.contains("data: ")) {}
            assertTrue(line != null && line.contains("\"content\""), "a first chunk arrived: " + line);
            requestId = p.requestId();
        }
        String id = requestId;
        var cancel = control.await("the cancel of " + id, r -> id.equals(TopicReader.key(r)));
        assertEquals(
                ControlAction.CANCEL,
                Messages.fromJson(cancel.value(), ControlMessage.class).action());
    }

    @Test
    void badValuesGetTheFlowsErrorCodeStreamingOrNot() throws Exception {
        for (String stream : List.of("false", "true")) {
            HttpResponse<String> response = HTTP.send(
                    post("{'messages':[{'role':'user','content':'hi'}],'temperature':5,'stream':" + stream + "}"),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(400, response.statusCode(), response.body());
            assertEquals(
                    "application/json",
                    response.headers().firstValue("Content-Type").orElse(""));
            JsonNode error = Messages.mapper().readTree(response.body()).get("error");
            assertEquals("out_of_range", error.get("code").asText());
            assertEquals("temperature", error.get("param").asText());
            assertEquals("invalid_request_error", error.get("type").asText());
        }
        HttpResponse<String> budget = HTTP.send(
                post("{'messages':[{'role':'user','content':'hi'}],'thinking_budget':-1}"),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(400, budget.statusCode(), budget.body());
        assertEquals(
                "thinking_budget",
                Messages.mapper().readTree(budget.body()).at("/error/param").asText());
        HttpResponse<String> notJson = HTTP.send(post("{oops"), HttpResponse.BodyHandlers.ofString());
        assertEquals(400, notJson.statusCode());
        assertEquals(
                "invalid_json",
                Messages.mapper().readTree(notJson.body()).at("/error/code").asText());
    }

    @Test
    void modelsAreListedAndUnknownModelsAndPathsAre404() throws Exception {
        JsonNode models = Messages.mapper().readTree(get("/v1/models").body());
        assertEquals("list", models.get("object").asText());
        assertEquals("qwenstream", models.at("/data/0/id").asText());
        assertEquals("model", models.at("/data/0/object").asText());
        assertEquals(200, get("/v1/models/qwenstream").statusCode());
        HttpResponse<String> unknown = get("/v1/models/gpt-4o");
        assertEquals(404, unknown.statusCode());
        assertEquals(
                "model_not_found",
                Messages.mapper().readTree(unknown.body()).at("/error/code").asText());
        HttpResponse<String> route = get("/v1/embeddings");
        assertEquals(404, route.statusCode());
        assertEquals(
                "unknown_url",
                Messages.mapper().readTree(route.body()).at("/error/code").asText());
        HttpResponse<String> model = HTTP.send(
                post("{'model':'gpt-4o','messages':[{'role':'user','content':'hi'}]}"),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(404, model.statusCode());
        assertEquals(
                "model",
                Messages.mapper().readTree(model.body()).at("/error/param").asText());
    }
}
