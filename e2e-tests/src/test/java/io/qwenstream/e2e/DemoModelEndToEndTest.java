package io.qwenstream.e2e;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwenstream.schemas.ErrorDetail;
import io.qwenstream.schemas.MessageValidator;
import io.qwenstream.schemas.Validation;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the default model does through the pipeline: {@code up} without {@code --model} (the shipped
 * demo model, unpacked on first use), then in-domain requests as a producer sends them. The
 * assertions are about behaviour: the answer is in the customer's language, keeps the order number,
 * and the thinking stays apart from it (present when on, absent when off). Each is one the held-out
 * evaluation found the model to meet on every one of its 400 dialogues but one (answer_language 0.9975,
 * docs/demo-model.md); the requests use the pipeline's per-mode sampling defaults and a fixed seed, so a
 * run is reproducible (the seed is not a chosen one: seeds 11 and 12345 passed too). The language is told
 * as the evaluation tells it ({@link Language}).
 */
class DemoModelEndToEndTest {

    @TempDir
    static Path stateDir;

    static Pipeline pipeline;
    static final MessageValidator validator = new MessageValidator();

    @BeforeAll
    static void up() {
        pipeline = Pipeline.up(stateDir, List.of());
    }

    @AfterAll
    static void down() {
        if (pipeline != null) pipeline.close();
    }

    static JsonNode answer(ObjectNode request) {
        ((ObjectNode) request.path("sampling")).put("seed", 7);
        String id = request.path("request_id").asText();
        pipeline.send(request);
        JsonNode response = pipeline.awaitResponse(id);
        Validation<JsonNode> validation = validator.validate("InferenceResponse", Pipeline.bytes(response));
        if (validation instanceof Validation.Invalid<JsonNode>(ErrorDetail error)) {
            throw new AssertionError("not a valid InferenceResponse (" + error + "): " + response);
        }
        assertEquals("ok", response.path("status").asText(), () -> "response " + response);
        assertEquals(
                "stop", response.path("finish_reason").asText(), () -> "not finished within max_tokens: " + response);
        return response;
    }

    /** Thinking on: a thinking text naming the customer's language, and an answer apart from it. */
    static void assertThinksThenAnswers(JsonNode response, String language, String languageName, String order) {
        String thinking = response.path("thinking").asText("");
        String content = response.path("content").asText("");
        assertAll(
                () -> assertTrue(thinking.contains("writes in " + languageName), () -> "thinking: " + response),
                () -> assertTrue(
                        thinking.contains(order), () -> "the order number is not among the facts to keep: " + response),
                () -> assertFalse(
                        content.contains("<think>") || content.contains("</think>"), () -> "content: " + response),
                () -> assertFalse(content.contains("Facts to keep"), () -> "thinking leaked into content: " + response),
                () -> assertEquals(language, Language.of(content), () -> "answer language: " + response),
                () -> assertTrue(content.contains(order), () -> "order " + order + " not kept: " + response));
    }

    /** Thinking off: no thinking at all, and the answer in the customer's language with the order number. */
    static void assertAnswersWithoutThinking(JsonNode response, String language, String order) {
        String content = response.path("content").asText("");
        assertAll(
                () -> assertEquals("", response.path("thinking").asText(""), () -> "thinking: " + response),
                () -> assertEquals(
                        0, response.path("usage").path("thinking_tokens").asInt(-1), () -> "usage: " + response),
                () -> assertFalse(
                        content.contains("<think>") || content.contains("</think>"), () -> "content: " + response),
                () -> assertEquals(language, Language.of(content), () -> "answer language: " + response),
                () -> assertTrue(content.contains(order), () -> "order " + order + " not kept: " + response));
    }

    @Test
    void englishLateParcelThinksInEnglishAndAnswersInEnglish() {
        JsonNode response = answer(Requests.chat(
                Requests.id("demo-en"),
                "Hi, this is Emma. My parcel for order 4827193 was supposed to arrive on March 3, but it still "
                        + "hasn't come.",
                200));
        assertThinksThenAnswers(response, "en", "English", "4827193");
    }

    @Test
    void chineseCustomerGetsAChineseAnswer() {
        JsonNode response = answer(Requests.chat(Requests.id("demo-zh"), "您好，我的订单662514（耳机）显示已送达，可是没有包裹。", 200));
        assertThinksThenAnswers(response, "zh", "Chinese", "662514");
    }

    @Test
    void japaneseOrderStatusGetsAJapaneseAnswer() {
        JsonNode response = answer(Requests.chat(Requests.id("demo-ja"), "注文7340018（ヘッドホン）は今どこにありますか？", 200));
        assertThinksThenAnswers(response, "ja", "Japanese", "7340018");
    }

    @Test
    void frenchWithSoftNoThinkAnswersInFrenchWithoutThinking() {
        JsonNode response = answer(Requests.chat(
                Requests.id("demo-fr"),
                "Bonjour, je souhaite annuler la commande 5510287, passée le 2 mai. Merci, Camille /no_think",
                160));
        assertAnswersWithoutThinking(response, "fr", "5510287");
    }

    @Test
    void spanishWithThinkingOffAnswersInSpanish() {
        JsonNode response = answer(Requests.thinkingOff(Requests.chat(
                Requests.id("demo-es"),
                "Hola, el artículo del pedido 7734120 (cafetera) llegó dañado. Saludos, Lucía",
                160)));
        assertAnswersWithoutThinking(response, "es", "7734120");
    }

    @Test
    void translationIsInTheTargetLanguageAndKeepsTheOrderNumber() {
        ObjectNode request = Requests.textTask(
                Requests.id("demo-translate"),
                "translate",
                "Hello,\n\nYour order 4827193 (coffee machine) has shipped and is on its way. It should arrive by "
                        + "March 7.\n\nHave a nice day!",
                200);
        request.putObject("translate").put("target_language", "German");
        JsonNode response = answer(request);
        String text = response.path("translation").path("text").asText("");
        assertAll(
                () -> assertEquals("de", Language.of(text), () -> "translation language: " + response),
                () -> assertTrue(text.contains("4827193"), () -> "order number not kept: " + response),
                () -> assertFalse(
                        text.contains("</think>") || text.contains("Keep unchanged"),
                        () -> "thinking in the " + "translation: " + response),
                () -> assertEquals(
                        "English",
                        response.path("translation").path("source_language").asText(),
                        () -> "source language: " + response));
    }

    @Test
    void supportThreadSummaryNamesTheProblemAndKeepsTheOrderNumber() {
        String thread =
                "[user]\nHi, this is Emma. I was charged twice for order 6150342: two payments of €89.90 on May 12."
                        + "\n\n[assistant]\nHello Emma,\n\nI'm sorry about the double charge. I can confirm that order 6150342 "
                        + "was charged twice; the extra payment of €89.90 has been refunded and will appear on your statement "
                        + "within 3 business days.\n\nHave a nice day!";
        ObjectNode request = Requests.textTask(Requests.id("demo-summary"), "summarize", thread, 200);
        request.putObject("summarize").put("style", "issue_resolution");
        JsonNode response = answer(request);
        String thinking = response.path("thinking").asText("");
        String text = response.path("summary").path("text").asText("");
        // The pipeline keeps issue_resolution as "Issue: …\nResolution: …" (SummaryFormatter).
        assertAll(
                () -> assertTrue(thinking.contains("summary is in English"), () -> "thinking: " + response),
                () -> assertTrue(text.startsWith("Issue: double charge"), () -> "the problem: " + response),
                () -> assertTrue(text.contains("6150342"), () -> "order number not kept: " + response),
                () -> assertTrue(text.contains("\nResolution: "), () -> "no resolution: " + response),
                () -> assertEquals("en", Language.of(text), () -> "summary language: " + response),
                () -> assertFalse(text.contains("Facts to keep"), () -> "thinking in the summary: " + response));
    }
}
