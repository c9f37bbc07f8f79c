package io.qwenstream.e2e;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.models.Model;
import io.qwenstream.e2e.TopicRecorder.Recorded;
import io.qwenstream.engine.ChatFormat;
import io.qwenstream.engine.Qwen3;
import io.qwenstream.schemas.ErrorDetail;
import io.qwenstream.schemas.MessageValidator;
import io.qwenstream.schemas.Validation;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.ClassOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestClassOrder;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline end to end, through its real topics: one {@code ./qwenstream up} (KRaft broker,
 * ingest-service, inference-worker, postprocess-service as processes, the random-weight fixture
 * model) for every test here, {@code down} at the end. The model's text is noise, so the tests
 * assert what the pipeline guarantees whatever the model says: thinking control, the budget,
 * formatting, tracing, error handling, deduplication and the launcher's output.
 */
@TestClassOrder(ClassOrderer.OrderAnnotation.class)
class PipelineEndToEndTest {

    @TempDir
    static Path stateDir;

    static Pipeline pipeline;
    static MessageValidator validator;

    @BeforeAll
    static void up() {
        pipeline = Pipeline.up(stateDir);
        validator = new MessageValidator();
    }

    @AfterAll
    static void down() {
        if (pipeline != null) pipeline.close();
    }

    /** The final response of a request: waited for, schema-valid, and answered (status ok) unless said otherwise. */
    static JsonNode okResponse(String requestId) {
        JsonNode response = validResponse(requestId);
        assertEquals("ok", response.path("status").asText(), () -> "response " + response);
        return response;
    }

    static JsonNode validResponse(String requestId) {
        JsonNode response = pipeline.awaitResponse(requestId);
        Validation<JsonNode> validation = validator.validate("InferenceResponse", Pipeline.bytes(response));
        if (validation instanceof Validation.Invalid<JsonNode>(ErrorDetail error)) {
            throw new AssertionError("not a valid InferenceResponse (" + error + "): " + response);
        }
        return response;
    }

    static List<Recorded> onTopic(String topic, String requestId) {
        return pipeline.recorder.ofRequest(topic, requestId);
    }

    @Nested
    class ThinkingControl {

        @Test
        void thinkingIsOnByDefault() {
            String id = Requests.id("thinking-on");
            pipeline.send(Requests.chat(id, "What is two plus two?", 24));

            JsonNode response = okResponse(id);
            assertFalse(response.path("thinking").asText("").isEmpty(), () -> "no thinking text: " + response);
            assertTrue(
                    response.path("usage").path("thinking_tokens").asInt() > 0,
                    () -> "usage " + response.path("usage"));
        }

        /** thinking.enabled=false wins over a /think in the text (the soft switches are ignored then). */
        @Test
        void hardSwitchOffGivesNoThinking() {
            String id = Requests.id("thinking-off");
            pipeline.send(Requests.thinkingOff(Requests.chat(id, "What is two plus two? /think", 24)));

            JsonNode response = okResponse(id);
            assertEquals("", response.path("thinking").asText(""), () -> "thinking text: " + response);
            assertEquals(
                    0,
                    response.path("usage").path("thinking_tokens").asInt(-1),
                    () -> "usage " + response.path("usage"));
            assertTrue(
                    response.path("usage").path("answer_tokens").asInt() > 0, () -> "usage " + response.path("usage"));
            JsonNode prepared = pipeline.recorder
                    .awaitRequest(pipeline.topics.inference(), id, Pipeline.RESPONSE_TIMEOUT)
                    .json();
            assertFalse(prepared.path("thinking").path("enabled").asBoolean(true), prepared::toString);
            assertTrue(
                    prepared.path("prompt").asText().endsWith("<|im_start|>assistant\n<think>\n\n</think>\n\n"),
                    () -> "prompt " + prepared.path("prompt"));
        }

        /**
         * /no_think in turn 1 holds in turn 2 (which has no switch, the history carries it) and /think
         * in turn 3 turns thinking back on; the stored history has every turn's answer and no thinking.
         * Each turn is sent as soon as the previous response is in, as a client would: the history
         * must already hold that turn (the post-processor commits both together; ingest reads to the end).
         */
        @Test
        void softSwitchHoldsAcrossTurnsAndHistoryKeepsAnswersOnly() {
            String conversation = Requests.id("conversation");

            JsonNode first = turn(conversation, "Hello, who are you? /no_think", 24, null);
            assertNoThinking(first);

            JsonNode second = turn(conversation, "Tell me more.", 24, null);
            assertHistorySent(second, 3);
            assertNoThinking(second);

            // A small budget closes the reasoning early, so that this turn has an answer beside its thinking.
            JsonNode third = turn(conversation, "Now think it over. /think", 48, 4);
            assertHistorySent(third, 5);
            assertFalse(third.path("thinking").asText("").isEmpty(), () -> "turn 3 has no thinking: " + third);
            assertTrue(third.path("usage").path("thinking_tokens").asInt() > 0, () -> "usage " + third.path("usage"));

            JsonNode stored = awaitStoredMessages(conversation, 6);
            List<JsonNode> answers = new ArrayList<>();
            stored.path("messages").forEach(message -> {
                if (message.path("role").asText().equals("assistant")) answers.add(message);
            });
            assertEquals(3, answers.size(), stored::toString);
            List<JsonNode> responses = List.of(first, second, third);
            for (int i = 0; i < 3; i++) {
                String content = answers.get(i).path("content").asText("");
                JsonNode response = responses.get(i);
                assertFalse(
                        content.contains("<think>") || content.contains("</think>"),
                        () -> "thinking tags stored: " + stored);
                assertFalse(answers.get(i).has("reasoning_content"), () -> "reasoning stored: " + stored);
                assertEquals(
                        response.path("content").asText(""),
                        content,
                        () -> "stored answer differs from the response " + response);
            }
            String thinking = third.path("thinking").asText().strip();
            assertFalse(
                    answers.get(2).path("content").asText("").contains(thinking),
                    () -> "turn 3's thinking stored: " + stored);
        }

        private JsonNode turn(String conversation, String text, int maxTokens, Integer budget) {
            String id = Requests.id("turn");
            ObjectNode request = Requests.chat(id, text, maxTokens);
            request.put("conversation_id", conversation);
            if (budget != null) request.putObject("thinking").put("budget_tokens", budget);
            pipeline.send(request);
            return okResponse(id);
        }

        /** The turn went to the worker with the stored history before its own message. */
        private static void assertHistorySent(JsonNode response, int messages) {
            JsonNode prepared = onTopic(
                            pipeline.topics.inference(),
                            response.path("request_id").asText())
                    .getFirst()
                    .json();
            assertEquals(
                    messages,
                    prepared.path("messages").size(),
                    () -> "the turn did not get the stored history: " + prepared.path("messages")
                            + "; stored so far: "
                            + pipeline.recorder.records(pipeline.topics.conversations(), r -> true).stream()
                                    .map(r -> r.key() + " @" + r.offset() + ": "
                                            + r.json().path("messages").size() + " messages")
                                    .toList());
        }

        private static void assertNoThinking(JsonNode response) {
            assertEquals("", response.path("thinking").asText(""), () -> "thinking text: " + response);
            assertEquals(
                    0,
                    response.path("usage").path("thinking_tokens").asInt(-1),
                    () -> "usage " + response.path("usage"));
        }

        /** The stored history of a conversation once it has {@code count} messages. */
        private static JsonNode awaitStoredMessages(String conversation, int count) {
            List<Recorded> stored = pipeline.recorder.await(
                    pipeline.topics.conversations(),
                    record -> conversation.equals(record.key())
                            && record.json() != null
                            && record.json().path("messages").size() >= count,
                    1,
                    Pipeline.RESPONSE_TIMEOUT,
                    "a history of " + count + " messages in " + conversation);
            return stored.getLast().json();
        }
    }

    @Nested
    class ThinkingBudget {

        @Test
        void budgetEndsTheThinkingWithQwensClosingSentence() throws Exception {
            int budget = 8;
            String id = Requests.id("budget");
            ObjectNode request = Requests.chat(id, "Why is the sky blue?", 64);
            request.putObject("thinking").put("budget_tokens", budget);
            pipeline.send(request);

            JsonNode response = okResponse(id);
            JsonNode usage = response.path("usage");
            String closing =
                    "Considering the limited time by the user, I have to give the solution based on the thinking directly now.";
            assertTrue(
                    response.path("thinking").asText().strip().endsWith(closing),
                    () -> "thinking: " + response.path("thinking"));
            assertTrue(usage.path("thinking_budget_reached").asBoolean(), () -> "usage " + usage);
            int closingTokens = ChatFormat.load(Pipeline.tokenizer()).encode(Qwen3.BUDGET_CLOSING).length;
            assertTrue(
                    usage.path("thinking_tokens").asInt() <= budget + closingTokens,
                    () -> "thinking_tokens over " + budget + " + " + closingTokens + ": " + usage);
            assertTrue(usage.path("answer_tokens").asInt() > 0, () -> "no answer after the budget: " + usage);
        }

        /**
         * The random-weight model never writes {@code </think>}: with no budget, loop detection ends its
         * thinking at 90% of max_tokens with the budget's sentence, says so in usage, and the worker counts it.
         */
        @Test
        void aThinkingThatNeverClosesIsEndedAndCounted() throws Exception {
            double loopsBefore = WorkerCounter.read(pipeline, "qwenstream_worker_thinking_loops_total");
            String id = Requests.id("never-closes");
            pipeline.send(Requests.chat(id, "Think about this for ever.", 300));

            JsonNode response = okResponse(id);
            JsonNode usage = response.path("usage");
            assertTrue(usage.path("thinking_loop_ended").asBoolean(), () -> "usage " + usage);
            assertFalse(usage.path("thinking_budget_reached").asBoolean(), () -> "usage " + usage);
            assertTrue(
                    response.path("thinking")
                            .asText()
                            .strip()
                            .endsWith(Qwen3.BUDGET_CLOSING.strip().replace("\n</think>", "")),
                    () -> "thinking: " + response.path("thinking"));
            // 270 tokens (90% of 300), then the closing sentence's thinking part: up to and including </think>.
            String closingThinking =
                    Qwen3.BUDGET_CLOSING.substring(0, Qwen3.BUDGET_CLOSING.indexOf("</think>") + "</think>".length());
            int closingTokens = ChatFormat.load(Pipeline.tokenizer()).encode(closingThinking).length;
            assertEquals(270 + closingTokens, usage.path("thinking_tokens").asInt(), () -> "usage " + usage);
            // The worker counts after producing the last chunk: the response may come first.
            assertEquals(
                    loopsBefore + 1,
                    WorkerCounter.await(pipeline, "qwenstream_worker_thinking_loops_total", loopsBefore + 1));
        }
    }

    @Nested
    class TaskFormatting {

        static final String ENGLISH =
                "Good morning! The weather is lovely today, and I would like to walk to the market with my friends.";

        @Test
        void translationCarriesTheTargetAndTheDetectedSourceLanguage() {
            // The language as a name gets a name back, as a code a code (the form the request used).
            String byName = Requests.id("translate-name");
            String byCode = Requests.id("translate-code");
            ObjectNode toFrench = Requests.thinkingOff(Requests.textTask(byName, "translate", ENGLISH, 24));
            toFrench.putObject("translate").put("target_language", "French");
            ObjectNode toGerman = Requests.thinkingOff(Requests.textTask(byCode, "translate", ENGLISH, 24));
            toGerman.putObject("translate").put("target_language", "de");
            pipeline.send(toFrench);
            pipeline.send(toGerman);

            JsonNode french = okResponse(byName).path("translation");
            JsonNode german = okResponse(byCode).path("translation");
            assertAll(
                    () -> assertEquals("French", french.path("target_language").asText(), french::toString),
                    () -> assertEquals("English", french.path("source_language").asText(), french::toString),
                    () -> assertTrue(french.path("text").isTextual(), french::toString),
                    () -> assertEquals("de", german.path("target_language").asText(), german::toString),
                    () -> assertEquals("en", german.path("source_language").asText(), german::toString),
                    () -> assertTrue(german.path("text").isTextual(), german::toString));
        }

        @Test
        void summaryHasBulletsForBulletStyleAndKeepsToMaxWords() {
            String text = "Kafka is a distributed event log. Producers append records to topics split into partitions. "
                    + "Consumers read them at their own pace and commit offsets. Records are kept for a configured time, "
                    + "so several services can process the same stream independently.";
            int maxWords = 12;
            String bulletsId = Requests.id("summary-bullets");
            String paragraphId = Requests.id("summary-paragraph");
            ObjectNode bullets = Requests.thinkingOff(Requests.textTask(bulletsId, "summarize", text, 40));
            bullets.putObject("summarize").put("style", "bullets").put("max_words", maxWords);
            ObjectNode paragraph = Requests.thinkingOff(Requests.textTask(paragraphId, "summarize", text, 40));
            paragraph.putObject("summarize").put("style", "paragraph").put("max_words", maxWords);
            pipeline.send(bullets);
            pipeline.send(paragraph);

            JsonNode bulleted = okResponse(bulletsId);
            JsonNode summary = bulleted.path("summary");
            assertTrue(summary.path("bullets").isArray(), summary::toString);
            assertTrue(summary.path("text").isTextual(), summary::toString);
            if (!bulleted.path("content").asText().isBlank()) {
                assertFalse(summary.path("bullets").isEmpty(), () -> "an answer but no bullets: " + bulleted);
            }
            int bulletWords = 0;
            for (JsonNode bullet : summary.path("bullets")) bulletWords += words(bullet.asText());
            assertTrue(words(summary.path("text").asText()) <= maxWords, summary::toString);
            assertTrue(bulletWords <= maxWords, summary::toString);

            JsonNode paragraphSummary = okResponse(paragraphId).path("summary");
            assertTrue(paragraphSummary.path("text").isTextual(), paragraphSummary::toString);
            assertTrue(words(paragraphSummary.path("text").asText()) <= maxWords, paragraphSummary::toString);
        }

        private static int words(String text) {
            return text.isBlank() ? 0 : text.strip().split("\\s+").length;
        }
    }

    /**
     * response_format and forced tool calls, over Kafka and through the OpenAI gateway: on the random-weight model
     * every JSON answer parses and validates against its schema (networknt, an independent validator), every forced
     * call names a tool and its arguments validate against the tool's parameters; the thinking stays free.
     */
    @Nested
    class StructuredOutput {

        static final SchemaRegistry VALIDATORS = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);

        static final String ORDER_SCHEMA = """
                {"type":"object","additionalProperties":false,
                 "required":["product","quantity","priority","postcode"],
                 "properties":{"product":{"type":"string","minLength":1,"maxLength":20},
                               "quantity":{"type":"integer","minimum":1,"maximum":100},
                               "priority":{"enum":["normal","express"]},
                               "postcode":{"type":["string","null"],"pattern":"^[0-9]{5}$"}}}""";

        static final String WEATHER_PARAMETERS = """
                {"type":"object","additionalProperties":false,"required":["city","unit"],
                 "properties":{"city":{"type":"string","minLength":1,"maxLength":20},
                               "unit":{"enum":["celsius","fahrenheit"]}}}""";

        static final String NEWS_PARAMETERS = """
                {"type":"object","required":["topic"],"properties":{"topic":{"enum":["sport","weather"]}}}""";

        static JsonNode parse(String json) {
            try {
                return Pipeline.json().readTree(json);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + json, e);
            }
        }

        static void assertValid(String schema, String answer) {
            JsonNode value = parse(answer);
            List<com.networknt.schema.Error> errors =
                    VALIDATORS.getSchema(parse(schema)).validate(value);
            assertTrue(errors.isEmpty(), () -> errors + " in " + answer);
        }

        static ObjectNode tools(ObjectNode request) {
            ArrayNode tools = request.putArray("tools");
            tools.addObject()
                    .put("type", "function")
                    .putObject("function")
                    .put("name", "get_weather")
                    .put("description", "Current weather of a city.")
                    .set("parameters", parse(WEATHER_PARAMETERS));
            tools.addObject()
                    .put("type", "function")
                    .putObject("function")
                    .put("name", "get_news")
                    .set("parameters", parse(NEWS_PARAMETERS));
            return request;
        }

        /** A tool call of a response (ours or OpenAI's): a known tool, arguments that validate. */
        static void assertValidCall(JsonNode call) {
            assertTrue(call.path("id").asText().startsWith("call_"), call::toString);
            assertEquals("function", call.path("type").asText(), call::toString);
            String name = call.at("/function/name").asText();
            String parameters = switch (name) {
                case "get_weather" -> WEATHER_PARAMETERS;
                case "get_news" -> NEWS_PARAMETERS;
                default -> throw new AssertionError("a call of no tool: " + call);
            };
            JsonNode arguments = call.at("/function/arguments");
            assertValid(parameters, arguments.isTextual() ? arguments.asText() : arguments.toString());
        }

        @Test
        void jsonSchemaAndJsonObjectAnswersParseAndValidateOverKafka() {
            String schemaId = Requests.id("json-schema");
            ObjectNode schemaRequest = Requests.chat(schemaId, "Two boxes of green tea to Paris, please.", 160);
            schemaRequest.putObject("thinking").put("budget_tokens", 6);
            schemaRequest
                    .putObject("response_format")
                    .put("type", "json_schema")
                    .putObject("json_schema")
                    .put("name", "order")
                    .put("strict", true)
                    .set("schema", parse(ORDER_SCHEMA));
            String objectId = Requests.id("json-object");
            ObjectNode objectRequest = Requests.thinkingOff(Requests.chat(objectId, "Any JSON object.", 60));
            objectRequest.putObject("response_format").put("type", "json_object");
            pipeline.send(schemaRequest);
            pipeline.send(objectRequest);

            JsonNode order = okResponse(schemaId);
            assertEquals("stop", order.path("finish_reason").asText(), order::toString);
            assertFalse(order.path("thinking").asText("").isEmpty(), () -> "the thinking stays free: " + order);
            assertValid(ORDER_SCHEMA, order.path("content").asText());
            JsonNode prepared =
                    onTopic(pipeline.topics.inference(), schemaId).getFirst().json();
            assertEquals(parse(ORDER_SCHEMA), prepared.at("/answer_format/schema"), prepared::toString);

            JsonNode object = okResponse(objectId);
            assertTrue(parse(object.path("content").asText()).isObject(), object::toString);
        }

        @Test
        void aForcedCallOverKafkaComesBackAsToolCalls() {
            String id = Requests.id("forced-call");
            ObjectNode request = tools(Requests.thinkingOff(Requests.chat(id, "Weather in Rome?", 120)));
            request.putObject("tool_choice")
                    .put("type", "function")
                    .putObject("function")
                    .put("name", "get_weather");
            pipeline.send(request);

            JsonNode response = okResponse(id);
            assertEquals("tool_calls", response.path("finish_reason").asText(), response::toString);
            assertEquals(1, response.path("tool_calls").size(), response::toString);
            JsonNode call = response.path("tool_calls").get(0);
            assertEquals("get_weather", call.at("/function/name").asText(), response::toString);
            assertValidCall(call);
            assertEquals("", response.path("content").asText(), "the call is not answer text");
        }

        @Test
        void whatCannotBeEnforcedIsRefusedAtItsPlace() {
            String unknown = Requests.id("unknown-tool");
            ObjectNode request = tools(Requests.chat(unknown, "News?", 16));
            request.putObject("tool_choice")
                    .put("type", "function")
                    .putObject("function")
                    .put("name", "get_time");
            pipeline.send(request);
            String oneOf = Requests.id("one-of");
            ObjectNode schema = Requests.chat(oneOf, "When?", 16);
            schema.putObject("response_format")
                    .put("type", "json_schema")
                    .putObject("json_schema")
                    .put("name", "when")
                    .set(
                            "schema",
                            parse("{\"type\":\"object\",\"properties\":{\"at\":{\"oneOf\":[{\"type\":"
                                    + "\"string\"},{\"type\":\"integer\"}]}}}"));
            pipeline.send(schema);

            JsonNode noTool = validResponse(unknown);
            assertEquals("schema_violation", noTool.at("/error/code").asText(), noTool::toString);
            assertEquals("/tool_choice/function/name", noTool.at("/error/field").asText(), noTool::toString);
            JsonNode noSchema = validResponse(oneOf);
            assertEquals("schema_violation", noSchema.at("/error/code").asText(), noSchema::toString);
            assertEquals(
                    "/response_format/json_schema/schema/properties/at",
                    noSchema.at("/error/field").asText());
            assertTrue(noSchema.at("/error/message").asText().contains("oneOf"), noSchema::toString);
            Recorded dead =
                    pipeline.recorder.awaitRequest(pipeline.topics.requestsDlq(), oneOf, Pipeline.RESPONSE_TIMEOUT);
            assertEquals("schema_violation", dead.headers().get("dlq.reason"), dead.headers()::toString);
            assertTrue(onTopic(pipeline.topics.inference(), oneOf).isEmpty(), "never reaches the worker");
        }

        @Test
        void theGatewayEnforcesResponseFormatForcesCallsAndTakesToolResultsBack() throws Exception {
            ObjectNode json = Pipeline.json().createObjectNode();
            json.putArray("messages").addObject().put("role", "user").put("content", "Two boxes of tea.");
            json.put("max_tokens", 120).putObject("chat_template_kwargs").put("enable_thinking", false);
            json.putObject("response_format")
                    .put("type", "json_schema")
                    .putObject("json_schema")
                    .put("name", "order")
                    .put("strict", true)
                    .set("schema", parse(ORDER_SCHEMA));
            JsonNode completion = parse(ok(post(json)));
            assertEquals("stop", completion.at("/choices/0/finish_reason").asText(), completion::toString);
            assertValid(
                    ORDER_SCHEMA, completion.at("/choices/0/message/content").asText());

            // A named function, not streamed: message.tool_calls with the arguments as a JSON string, no content.
            ObjectNode named = tools(Pipeline.json().createObjectNode());
            named.putArray("messages").addObject().put("role", "user").put("content", "Any sport news?");
            named.put("max_tokens", 100)
                    .putObject("tool_choice")
                    .put("type", "function")
                    .putObject("function")
                    .put("name", "get_news");
            named.putObject("chat_template_kwargs").put("enable_thinking", false);
            JsonNode news = parse(ok(post(named)));
            assertEquals("tool_calls", news.at("/choices/0/finish_reason").asText(), news::toString);
            assertTrue(news.at("/choices/0/message/content").isNull(), news::toString);
            JsonNode newsCall = news.at("/choices/0/message/tool_calls/0");
            assertEquals("get_news", newsCall.at("/function/name").asText(), news::toString);
            assertTrue(newsCall.at("/function/arguments").isTextual(), news::toString);
            assertValidCall(newsCall);

            // tool_choice required, streamed: the call arrives as delta.tool_calls, the stream ends with tool_calls.
            ObjectNode required = tools(Pipeline.json().createObjectNode());
            required.putArray("messages").addObject().put("role", "user").put("content", "Weather in Rome?");
            required.put("max_tokens", 120).put("tool_choice", "required").put("stream", true);
            required.putObject("chat_template_kwargs").put("enable_thinking", false);
            List<JsonNode> chunks = new ArrayList<>();
            for (String line : ok(post(required)).split("\n")) {
                if (line.startsWith("data: ") && !line.equals("data: [DONE]")) chunks.add(parse(line.substring(6)));
            }
            List<JsonNode> calls = new ArrayList<>();
            chunks.forEach(c -> c.at("/choices/0/delta/tool_calls").forEach(calls::add));
            assertEquals(1, calls.size(), chunks::toString);
            assertValidCall(calls.getFirst());
            assertEquals(0, calls.getFirst().path("index").asInt(-1));
            assertEquals(
                    "tool_calls",
                    chunks.getLast().at("/choices/0/finish_reason").asText(),
                    chunks::toString);

            // The call and its result go back in; the next answer is again held to its schema.
            ObjectNode next = tools(Pipeline.json().createObjectNode());
            ArrayNode messages = next.putArray("messages");
            messages.addObject().put("role", "user").put("content", "Weather in Rome?");
            ObjectNode assistant = messages.addObject().put("role", "assistant").putNull("content");
            ObjectNode call = assistant.putArray("tool_calls").addObject();
            call.put("id", calls.getFirst().path("id").asText()).put("type", "function");
            call.set("function", calls.getFirst().path("function"));
            messages.addObject()
                    .put("role", "tool")
                    .put("tool_call_id", call.path("id").asText())
                    .put("content", "{\"temp_c\": 21}");
            next.put("max_tokens", 120).putObject("chat_template_kwargs").put("enable_thinking", false);
            next.putObject("response_format").put("type", "json_object");
            JsonNode answer = parse(ok(post(next)));
            assertTrue(parse(answer.at("/choices/0/message/content").asText()).isObject(), answer::toString);
            String prompt = pipeline.recorder
                    .awaitRequest(pipeline.topics.inference(), answer.path("id").asText(), Pipeline.RESPONSE_TIMEOUT)
                    .json()
                    .path("prompt")
                    .asText();
            assertTrue(
                    prompt.contains("<|im_start|>user\n<tool_response>\n{\"temp_c\": 21}\n</tool_response><|im_end|>"),
                    prompt);
            assertTrue(
                    prompt.contains("<tool_call>\n{\"name\": \""
                            + call.at("/function/name").asText()),
                    prompt);

            // What the engine cannot enforce is a 400 naming the OpenAI field.
            ObjectNode refused = Pipeline.json().createObjectNode();
            refused.putArray("messages").addObject().put("role", "user").put("content", "Tags?");
            refused.putObject("response_format")
                    .put("type", "json_schema")
                    .putObject("json_schema")
                    .put("name", "tags")
                    .set("schema", parse("{\"type\":\"array\",\"uniqueItems\":true}"));
            HttpResponse<String> error = post(refused);
            assertEquals(400, error.statusCode(), error::body);
            JsonNode body = parse(error.body()).path("error");
            assertEquals("invalid_request_error", body.path("type").asText(), body::toString);
            assertEquals("schema_violation", body.path("code").asText(), body::toString);
            assertEquals(
                    "response_format.json_schema.schema", body.path("param").asText(), body::toString);
            assertTrue(body.path("message").asText().contains("uniqueItems"), body::toString);
        }

        static HttpResponse<String> post(ObjectNode body) throws Exception {
            HttpRequest request = HttpRequest.newBuilder(URI.create(
                            "http://127.0.0.1:" + pipeline.httpPort("ingest-service") + "/v1/chat/completions"))
                    .timeout(Pipeline.RESPONSE_TIMEOUT)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(Pipeline.bytes(body)))
                    .build();
            return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        }

        static String ok(HttpResponse<String> response) {
            assertEquals(200, response.statusCode(), response::body);
            return response.body();
        }

        static final HttpClient HTTP = HttpClient.newHttpClient();
    }

    @Nested
    class Tracing {

        @Test
        void theProducersTraceIdTravelsThroughEveryHop() {
            String traceId = randomHex(16);
            String id = Requests.id("traced");
            ObjectNode request = Requests.chat(id, "Trace me.", 16);
            pipeline.send(id, Pipeline.bytes(request), "00-" + traceId + "-" + randomHex(8) + "-01");
            okResponse(id);

            List<Recorded> hops = new ArrayList<>();
            hops.addAll(onTopic(pipeline.topics.inference(), id));
            List<Recorded> chunks = onTopic(pipeline.topics.tokens(), id);
            assertFalse(chunks.isEmpty(), "no chunks on qwen.tokens");
            hops.addAll(chunks);
            hops.addAll(onTopic(pipeline.topics.responses(), id));
            assertAll(hops.stream().map(hop -> (Executable) () -> {
                String traceparent = hop.headers().get("traceparent");
                assertNotNull(
                        traceparent,
                        () -> "no traceparent on " + hop.topic() + " offset " + hop.offset() + ": " + hop.headers());
                assertEquals(
                        traceId,
                        traceparent.split("-")[1],
                        () -> "another trace on " + hop.topic() + ": " + traceparent);
            }));
        }

        private static String randomHex(int bytes) {
            byte[] random = new byte[bytes];
            ThreadLocalRandom.current().nextBytes(random);
            random[0] |= 1; // all-zero ids are invalid
            return HexFormat.of().formatHex(random);
        }
    }

    @Nested
    class BadInput {

        /** A record to produce and the error its response and DLQ copy must carry. */
        record Bad(String name, String key, byte[] payload, String code, String field) {}

        @Test
        void everyBadRecordGetsItsErrorAndADeadLetterWhileGoodOnesComplete() {
            List<Bad> bad = List.of(
                    bad("unparseable-json", "{\"schema_version\":1,\"request_id\":", "invalid_json", null),
                    invalidUtf8(),
                    badRequest(
                            "wrong-type",
                            "Hello.",
                            r -> sampling(r).put("temperature", "hot"),
                            "schema_violation",
                            "/sampling/temperature"),
                    badRequest("unknown-task", "Hello.", r -> r.put("task", "poem"), "unknown_task", "/task"),
                    badRequest("empty-messages", "Hello.", r -> r.putArray("messages"), "empty_messages", "/messages"),
                    badRequest(
                            "out-of-range",
                            "Hello.",
                            r -> sampling(r).put("top_p", 1.5),
                            "out_of_range",
                            "/sampling/top_p"),
                    badRequest(
                            "greedy-thinking",
                            "Hello.",
                            r -> sampling(r).put("temperature", 0),
                            "greedy_in_thinking_mode",
                            "/sampling/temperature"),
                    // One digit is one token: 41,000 of them do not fit the tiny model's 40,960-token context.
                    badRequest("prompt-too-long", "0123456789".repeat(4_100), r -> {}, "prompt_too_long", null),
                    badRequest("record-too-large", "x".repeat(600 * 1024), r -> {}, "record_too_large", null));

            List<String> good = new ArrayList<>();
            for (int i = 0; i < bad.size(); i++) {
                if (i % 3 == 0) {
                    String id = Requests.id("good");
                    good.add(id);
                    pipeline.send(Requests.thinkingOff(Requests.chat(id, "Say hello.", 8)));
                }
                Bad record = bad.get(i);
                pipeline.send(record.key(), record.payload(), null);
            }

            List<Executable> checks = new ArrayList<>();
            for (Bad record : bad) {
                checks.add(() -> {
                    // The response's request_id is the payload's when readable (here the key too), else the record key.
                    JsonNode response = validResponse(record.key());
                    assertEquals("error", response.path("status").asText(), () -> record.name() + ": " + response);
                    assertEquals(
                            "error", response.path("finish_reason").asText(), () -> record.name() + ": " + response);
                    assertEquals(
                            record.code(),
                            response.path("error").path("code").asText(),
                            () -> record.name() + ": " + response);
                    assertEquals(
                            record.field(),
                            response.path("error").path("field").asText(null),
                            () -> record.name() + ": " + response);

                    Recorded dead = pipeline.recorder
                            .await(
                                    pipeline.topics.requestsDlq(),
                                    r -> record.key().equals(r.key()),
                                    1,
                                    Pipeline.RESPONSE_TIMEOUT,
                                    "the dead letter of " + record.name())
                            .getFirst();
                    assertEquals(
                            record.code(),
                            dead.headers().get("dlq.reason"),
                            () -> record.name() + " headers " + dead.headers());
                    assertEquals(
                            record.field(),
                            dead.headers().get("dlq.field"),
                            () -> record.name() + " headers " + dead.headers());
                    assertEquals(
                            pipeline.topics.requests(),
                            dead.headers().get("dlq.topic"),
                            () -> record.name() + " " + dead.headers());
                    assertTrue(
                            Arrays.equals(record.payload(), dead.value()),
                            () -> record.name() + ": the dead letter is not the record as sent");
                });
            }
            for (String id : good) checks.add(() -> okResponse(id));
            assertAll(checks);
            for (String id : good) {
                assertTrue(
                        pipeline.recorder
                                .records(pipeline.topics.requestsDlq(), r -> id.equals(r.key()))
                                .isEmpty(),
                        id + " dead-lettered");
            }
        }

        /** Bytes that are no request at all, keyed by a fresh id: the error response can only carry that key. */
        private static Bad bad(String name, String payload, String code, String field) {
            return new Bad(name, Requests.id(name), payload.getBytes(StandardCharsets.UTF_8), code, field);
        }

        /** A well-formed request whose user text holds a byte that is never UTF-8 (0xFF). */
        private static Bad invalidUtf8() {
            String id = Requests.id("invalid-utf8");
            byte[] payload = Pipeline.bytes(Requests.chat(id, "caf#", 8));
            for (int i = 0; i < payload.length; i++) {
                if (payload[i] == '#') payload[i] = (byte) 0xFF;
            }
            return new Bad("invalid-utf8", id, payload, "invalid_utf8", null);
        }

        /** A chat request keyed by its request_id, spoilt one way. */
        private static Bad badRequest(
                String name, String userText, Consumer<ObjectNode> spoil, String code, String field) {
            String id = Requests.id(name);
            ObjectNode request = Requests.chat(id, userText, 8);
            spoil.accept(request);
            return new Bad(name, id, Pipeline.bytes(request), code, field);
        }

        private static ObjectNode sampling(ObjectNode request) {
            return (ObjectNode) request.get("sampling");
        }
    }

    @Nested
    class Duplicates {

        @Test
        void aDuplicateRequestIdIsGeneratedOnce() {
            String id = Requests.id("duplicate");
            String after = Requests.id("after-duplicate");
            byte[] request = Pipeline.bytes(Requests.thinkingOff(Requests.chat(id, "Count to three.", 12)));
            pipeline.send(id, request, null);
            pipeline.send(id, request, null);
            // Same key, same partition: the ingest service judges the duplicate before this one.
            pipeline.send(id, Pipeline.bytes(Requests.thinkingOff(Requests.chat(after, "And to four?", 12))), null);

            okResponse(id);
            okResponse(after);
            assertEquals(1, onTopic(pipeline.topics.inference(), id).size(), "prepared twice");
            assertEquals(1, onTopic(pipeline.topics.responses(), id).size(), "answered twice");
            long firstChunks = onTopic(pipeline.topics.tokens(), id).stream()
                    .filter(chunk -> chunk.json().path("seq").asInt(-1) == 0)
                    .count();
            assertEquals(1, firstChunks, "generated twice (seq-0 chunks on qwen.tokens)");
            assertTrue(
                    pipeline.recorder
                            .records(pipeline.topics.requestsDlq(), r -> id.equals(r.key()))
                            .isEmpty(),
                    "a duplicate is dropped, not dead-lettered");
        }
    }

    /** {@code ./qwenstream send} and {@code ask --json}: the launcher's main against the running pipeline. */
    @Nested
    class LauncherContract {

        @Test
        void sendOfAMalformedPayloadPrintsTheErrorResponseForTheRecordKey() throws Exception {
            Path file = stateDir.resolve("malformed.json");
            Files.writeString(file, "{\"request_id\": \"oops\", \"task\": ");
            String key = Requests.id("send-key");

            LauncherRun run = launcher("send", "--file", file.toString(), "--key", key, "--timeout", "60");
            assertEquals(0, run.exitStatus(), run::toString);
            JsonNode response = Pipeline.json().readTree(run.stdout());
            assertEquals(key, response.path("request_id").asText(), run::toString);
            assertEquals("error", response.path("status").asText(), run::toString);
            assertEquals("invalid_json", response.path("error").path("code").asText(), run::toString);
        }

        @Test
        void askJsonPrintsTheFinalResponse() throws Exception {
            LauncherRun run =
                    launcher("ask", "--json", "--no-think", "--max-tokens", "12", "--timeout", "60", "Hello there");
            assertEquals(0, run.exitStatus(), run::toString);
            JsonNode response = Pipeline.json().readTree(run.stdout());
            assertInstanceOf(
                    Validation.Valid.class,
                    validator.validate("InferenceResponse", run.stdout().getBytes(StandardCharsets.UTF_8)),
                    run::toString);
            assertEquals("ok", response.path("status").asText(), run::toString);
            assertTrue(
                    List.of("stop", "length")
                            .contains(response.path("finish_reason").asText()),
                    run::toString);
            assertEquals(0, response.path("usage").path("thinking_tokens").asInt(-1), run::toString);
            assertFalse(response.path("request_id").asText().isEmpty(), run::toString);
        }

        @Test
        void fuzzDeadLettersAndAnswersEveryMalformedRecordExactlyOnce() throws Exception {
            int records = 300;
            LauncherRun run = launcher(
                    "fuzz", "--records", "" + records, "--good", "3", "--seed", "7", "--timeout", "60", "--json");
            assertEquals(0, run.exitStatus(), run::toString);
            JsonNode report = Pipeline.json().readTree(run.stdout());
            assertEquals(
                    records, report.path("dead_letters").path("exactly_once").asInt(), run::toString);
            assertEquals(0, report.path("dead_letters").path("without_reason").asInt(-1), run::toString);
            assertEquals(
                    records, report.path("error_responses").path("exactly_once").asInt(), run::toString);
            assertEquals(0, report.path("error_responses").path("not_an_error").asInt(-1), run::toString);
            assertTrue(report.path("services_dead_or_restarted").isEmpty(), run::toString);
            assertEquals(0, report.path("good_requests").path("failed").asInt(-1), run::toString);
            assertEquals(9, report.path("sent_by_kind").size(), () -> "every kind of malformed record: " + run);
        }

        record LauncherRun(int exitStatus, String stdout, String stderr) {}

        /** Runs {@code Launcher.main} (what {@code ./qwenstream} runs) in its own JVM against this pipeline's state. */
        private static LauncherRun launcher(String... args) throws IOException, InterruptedException {
            List<String> command = new ArrayList<>(List.of(
                    ProcessHandle.current()
                            .info()
                            .command()
                            .orElse(Path.of(System.getProperty("java.home"), "bin", "java")
                                    .toString()),
                    "-cp",
                    System.getProperty("java.class.path"),
                    "-Dqwenstream.root=" + pipeline.root,
                    "-Dqwenstream.state-dir=" + pipeline.stateDir,
                    "io.qwenstream.local.Launcher"));
            command.addAll(List.of(args));
            Path out = Files.createTempFile(stateDir, "launcher", ".out");
            Path err = Files.createTempFile(stateDir, "launcher", ".err");
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            builder.environment().put("NO_COLOR", "1");
            Process process = builder.start();
            try {
                if (!process.waitFor(120, TimeUnit.SECONDS))
                    throw new AssertionError("the launcher did not finish: " + command);
            } finally {
                process.destroyForcibly();
            }
            return new LauncherRun(process.exitValue(), Files.readString(out), Files.readString(err));
        }
    }

    /**
     * The official OpenAI Java SDK against the gateway on the ingest service's port, as a customer's client:
     * every call goes through the topics to the worker and back. The SDK has no field for
     * {@code reasoning_content} (a vLLM and DeepSeek extension): it reads it as an additional property.
     */
    @Nested
    class OpenAiSdk {

        private final OpenAIClient client = OpenAIOkHttpClient.builder()
                .baseUrl("http://127.0.0.1:" + pipeline.httpPort("ingest-service") + "/v1")
                .apiKey("not-checked")
                .maxRetries(0)
                .build();

        @AfterEach
        void close() {
            client.close();
        }

        private static String reasoning(Map<String, JsonValue> additional) {
            JsonValue value = additional.get("reasoning_content");
            return value == null || value.isNull() ? "" : value.convert(String.class);
        }

        @Test
        void aCompletionAnswersWithItsReasoningAndUsage() {
            ChatCompletion completion = client.chat()
                    .completions()
                    .create(ChatCompletionCreateParams.builder()
                            .model("qwenstream")
                            .addUserMessage("Why is the sky blue?")
                            .maxCompletionTokens(60)
                            .seed(7L)
                            .putAdditionalBodyProperty("thinking_budget", JsonValue.from(4))
                            .build());
            ChatCompletion.Choice choice = completion.choices().getFirst();
            assertEquals(ChatCompletion.Choice.FinishReason.LENGTH, choice.finishReason());
            assertFalse(reasoning(choice.message()._additionalProperties()).isEmpty(), completion::toString);
            assertFalse(choice.message().content().orElse("").isEmpty(), completion::toString);
            assertEquals(60, completion.usage().orElseThrow().completionTokens(), completion::toString);
        }

        @Test
        void aStreamSendsReasoningThenContentDeltasThenItsUsage() {
            StringBuilder reasoning = new StringBuilder();
            StringBuilder content = new StringBuilder();
            List<ChatCompletionChunk.Choice.FinishReason> finishes = new ArrayList<>();
            List<Long> usage = new ArrayList<>();
            ChatCompletionCreateParams params = ChatCompletionCreateParams.builder()
                    .model("qwenstream")
                    .addUserMessage("Why is the sky blue?")
                    .maxCompletionTokens(60)
                    .seed(7L)
                    .putAdditionalBodyProperty("thinking_budget", JsonValue.from(4))
                    .streamOptions(ChatCompletionStreamOptions.builder()
                            .includeUsage(true)
                            .build())
                    .build();
            try (StreamResponse<ChatCompletionChunk> stream =
                    client.chat().completions().createStreaming(params)) {
                stream.stream().forEach(chunk -> {
                    chunk.usage().ifPresent(u -> usage.add(u.completionTokens()));
                    for (ChatCompletionChunk.Choice choice : chunk.choices()) {
                        String thinking = reasoning(choice.delta()._additionalProperties());
                        assertTrue(thinking.isEmpty() || content.isEmpty(), "reasoning after content: " + thinking);
                        reasoning.append(thinking);
                        choice.delta().content().ifPresent(content::append);
                        choice.finishReason().ifPresent(finishes::add);
                    }
                });
            }
            assertTrue(reasoning.toString().strip().endsWith("directly now."), reasoning::toString);
            assertFalse(content.isEmpty(), "no content deltas");
            assertEquals(List.of(ChatCompletionChunk.Choice.FinishReason.LENGTH), finishes);
            assertEquals(List.of(60L), usage);
        }

        @Test
        void theModelsListNamesTheServedModel() {
            List<String> ids =
                    client.models().list().data().stream().map(Model::id).toList();
            assertEquals(List.of("qwenstream"), ids);
        }

        @Test
        void aRefusedRequestIsABadRequestExceptionNamingTheParameter() {
            BadRequestException e = assertThrows(
                    BadRequestException.class,
                    () -> client.chat()
                            .completions()
                            .create(ChatCompletionCreateParams.builder()
                                    .model("qwenstream")
                                    .addUserMessage("Hello")
                                    .temperature(5.0)
                                    .build()));
            assertEquals(400, e.statusCode());
            assertEquals(Optional.of("temperature"), e.param(), e::toString);
            assertEquals(Optional.of("invalid_request_error"), e.type(), e::toString);
        }
    }

    @Nested
    class GrafanaDashboard {

        /**
         * deploy/grafana's dashboard queries only what the services export: after one answered request and
         * one dead-lettered record (meters of a label value appear on first use), every selector of its
         * PromQL matches a sample of a service's /q/metrics, by name and fixed label values.
         */
        @Test
        void everyMetricTheDashboardQueriesIsExported() {
            List<DashboardMetrics.Query> queries =
                    DashboardMetrics.queries(Dashboard.expressions(Dashboard.file(pipeline.root)));
            assertTrue(queries.size() >= 20, () -> "too few selectors parsed: " + queries);
            String id = Requests.id("dashboard");
            pipeline.send(Requests.thinkingOff(Requests.chat(id, "Say hello.", 8)));
            okResponse(id);
            String bad = Requests.id("dashboard-bad");
            pipeline.send(bad, "{\"request_id\":".getBytes(StandardCharsets.UTF_8), null);
            pipeline.recorder.await(
                    pipeline.topics.requestsDlq(),
                    record -> bad.equals(record.key()),
                    1,
                    Pipeline.RESPONSE_TIMEOUT,
                    "the dead letter of " + bad);

            // Micrometer binds a Kafka client's new meters (a topic's first send, a partition's first fetch)
            // on its next refresh, every 60 s: await one refresh and some more.
            long deadline = System.nanoTime() + DashboardMetrics.KAFKA_METER_REFRESH.toNanos() * 3 / 2;
            List<DashboardMetrics.Query> missing;
            while (!(missing = DashboardMetrics.unanswered(queries, DashboardMetrics.scrape(pipeline))).isEmpty()
                    && System.nanoTime() < deadline) {
                LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1)); // a scrape a second, as Prometheus would poll
            }
            List<DashboardMetrics.Query> unanswered = missing;
            assertTrue(
                    unanswered.isEmpty(),
                    () -> "queried by the dashboard, exported by no service:\n"
                            + String.join(
                                    "\n",
                                    unanswered.stream().map(Object::toString).toList()));
        }
    }

    /** Last, after the others have sent their traffic: what the services logged about it. */
    @Nested
    @Order(Integer.MAX_VALUE)
    class ServiceLogs {

        private static final Pattern ERROR_LINE = Pattern.compile("^\\d{4}-\\d\\d-\\d\\d \\S+ (ERROR|FATAL|SEVERE) .*");

        /**
         * Bad input is refused with a warning, never an error; and spans are not pushed at a collector that
         * nobody configured (a run's default is to export nothing, where the OTLP default warns every few seconds).
         */
        @Test
        void noServiceLoggedAnErrorOrAFailedSpanExport() {
            assertAll(Stream.of("ingest-service", "inference-worker", "postprocess-service")
                    .map(service -> (Executable) () -> {
                        List<String> flagged = pipeline.log(service)
                                .lines()
                                .filter(line -> ERROR_LINE.matcher(line).matches() || line.contains("Failed to export"))
                                .limit(5)
                                .toList();
                        assertTrue(flagged.isEmpty(), () -> service + " logged:\n" + String.join("\n", flagged));
                    }));
        }
    }
}
