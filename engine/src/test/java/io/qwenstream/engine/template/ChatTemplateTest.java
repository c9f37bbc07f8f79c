package io.qwenstream.engine.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Qwen3's own chat template rendered against transformers' reference output, byte for byte. */
class ChatTemplateTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path FIXTURES = Path.of(System.getProperty("qwenstream.fixtures"));
    private static final Path TOKENIZER_CONFIG =
            Path.of(System.getProperty("qwenstream.tokenizer"), "tokenizer_config.json");

    private static ChatTemplate qwen3() throws IOException {
        return ChatTemplate.fromTokenizerConfig(TOKENIZER_CONFIG);
    }

    @SuppressWarnings("unchecked")
    @TestFactory
    Stream<DynamicTest> rendersEveryReferenceConversationLikeTransformers() throws IOException {
        Map<String, Object> reference = JSON.readValue(
                FIXTURES.resolve("reference/hf-transformers-reference.json").toFile(), new TypeReference<>() {});
        List<Map<String, Object>> cases = (List<Map<String, Object>>) reference.get("chat_template");
        assertFalse(cases.isEmpty(), "the reference has chat_template cases");
        ChatTemplate template = qwen3();
        return cases.stream()
                .map(c -> DynamicTest.dynamicTest((String) c.get("name"), () -> {
                    String rendered = template.apply(
                            (List<Map<String, Object>>) c.get("messages"),
                            (List<Object>) c.get("tools"),
                            (Boolean) c.get("enable_thinking"),
                            (Boolean) c.getOrDefault("add_generation_prompt", true));
                    assertEquals(c.get("rendered"), rendered);
                }));
    }

    // ---- conversations of our own; expected text follows from reading the template ----

    private static final String TOOLS_HEADER_START = "<|im_start|>system\n";
    private static final String TOOLS_PREAMBLE =
            "# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
                    + "You are provided with function signatures within <tools></tools> XML tags:\n<tools>";
    private static final String TOOLS_EPILOGUE =
            "\n</tools>\n\nFor each function call, return a json object with function name "
                    + "and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n"
                    + "{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n";

    private static List<Map<String, Object>> messages(String json) throws IOException {
        return JSON.readValue(json, new TypeReference<>() {});
    }

    private static List<Object> tools(String json) throws IOException {
        return JSON.readValue(json, new TypeReference<>() {});
    }

    @Test
    void systemMessageWithToolsGoesBeforeTheToolList() throws IOException {
        List<Object> tools = tools("""
                [{"type": "function", "function": {"name": "weather", "description": "Météo à une ville",
                  "parameters": {"type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer", "maximum": 7.5}}}}}]""");
        String rendered = qwen3().apply(messages("""
                [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Weather in Lyon?"}]"""), tools, false, true);
        // System content + "\n\n", then each tool as tojson on its own line; the system message is not repeated.
        String expected = TOOLS_HEADER_START + "Be brief.\n\n" + TOOLS_PREAMBLE
                + "\n{\"type\": \"function\", \"function\": {\"name\": \"weather\", \"description\": \"Météo à une ville\", "
                + "\"parameters\": {\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"}, "
                + "\"days\": {\"type\": \"integer\", \"maximum\": 7.5}}}}}"
                + TOOLS_EPILOGUE
                + "<|im_start|>user\nWeather in Lyon?<|im_end|>\n"
                + "<|im_start|>assistant\n<think>\n\n</think>\n\n";
        assertEquals(expected, rendered);
    }

    @Test
    void toolCallArgumentsAsStringAreCopiedAndAsObjectAreSerialized() throws IOException {
        String rendered = qwen3().apply(messages("""
                [{"role": "user", "content": "Compare Lyon and Nice"},
                 {"role": "assistant", "content": "Checking both.", "tool_calls": [
                    {"type": "function", "function": {"name": "weather", "arguments": "{\\"city\\":\\"Lyon\\"}"}},
                    {"type": "function", "function": {"name": "weather", "arguments": {"city": "Nice", "days": 2}}}]},
                 {"role": "tool", "content": "sunny"},
                 {"role": "tool", "content": "rain"}]"""), null, null, true);
        // The last user query is message 0, so the assistant turn (index 1) is after it: not the last
        // message and no reasoning, so it is rendered without a think block. Content is non-empty, so the
        // first tool call gets a leading "\n"; the string arguments go in verbatim, the object ones through
        // tojson. Consecutive tool messages share one user turn.
        String expected = "<|im_start|>user\nCompare Lyon and Nice<|im_end|>\n"
                + "<|im_start|>assistant\nChecking both."
                + "\n<tool_call>\n{\"name\": \"weather\", \"arguments\": {\"city\":\"Lyon\"}}\n</tool_call>"
                + "\n<tool_call>\n{\"name\": \"weather\", \"arguments\": {\"city\": \"Nice\", \"days\": 2}}\n</tool_call>"
                + "<|im_end|>\n"
                + "<|im_start|>user\n<tool_response>\nsunny\n</tool_response>"
                + "\n<tool_response>\nrain\n</tool_response><|im_end|>\n"
                + "<|im_start|>assistant\n";
        assertEquals(expected, rendered);
    }

    @Test
    void assistantTurnWithToolCallsAndNoContentStartsDirectlyWithTheCall() throws IOException {
        String rendered = qwen3().apply(messages("""
                [{"role": "user", "content": "Order A-7?"},
                 {"role": "assistant", "content": "", "tool_calls": [
                    {"name": "lookup", "arguments": {"id": "A-7"}}]},
                 {"role": "tool", "content": "<tool_response>ok</tool_response>"},
                 {"role": "assistant", "content": "It shipped."}]"""), null, null, false);
        // A tool call without a "function" wrapper is used as is. The tool message sits inside a user turn
        // but has role "tool", so the last query stays message 0; the final assistant turn (index 3, the
        // last message) therefore gets an empty think block, the first one (not last, no reasoning) none.
        String expected = "<|im_start|>user\nOrder A-7?<|im_end|>\n"
                + "<|im_start|>assistant\n<tool_call>\n{\"name\": \"lookup\", \"arguments\": {\"id\": \"A-7\"}}\n</tool_call><|im_end|>\n"
                + "<|im_start|>user\n<tool_response>\n<tool_response>ok</tool_response>\n</tool_response><|im_end|>\n"
                + "<|im_start|>assistant\n<think>\n\n</think>\n\nIt shipped.<|im_end|>\n";
        assertEquals(expected, rendered);
    }

    @Test
    void reasoningIsKeptOnlyForAssistantTurnsAfterTheLastUserQuery() throws IOException {
        String rendered = qwen3().apply(messages("""
                [{"role": "user", "content": "First?"},
                 {"role": "assistant", "content": "One.", "reasoning_content": "old thoughts"},
                 {"role": "user", "content": "Second?"},
                 {"role": "assistant", "content": "\\n\\nCalling.", "reasoning_content": "\\nneed a tool\\n",
                  "tool_calls": [{"function": {"name": "f", "arguments": {}}}]},
                 {"role": "tool", "content": "42"},
                 {"role": "assistant", "content": "<think>\\ninline\\n</think>\\n\\nIt is 42."}]"""), null, null, true);
        // Last query = message 2. Message 1 precedes it: plain content, its reasoning dropped. Message 3
        // follows it and has reasoning: think block with reasoning stripped of "\n" and content lstripped.
        // Message 5 is last: its <think> part is split out of the content and rendered again.
        String expected = "<|im_start|>user\nFirst?<|im_end|>\n"
                + "<|im_start|>assistant\nOne.<|im_end|>\n"
                + "<|im_start|>user\nSecond?<|im_end|>\n"
                + "<|im_start|>assistant\n<think>\nneed a tool\n</think>\n\nCalling."
                + "\n<tool_call>\n{\"name\": \"f\", \"arguments\": {}}\n</tool_call><|im_end|>\n"
                + "<|im_start|>user\n<tool_response>\n42\n</tool_response><|im_end|>\n"
                + "<|im_start|>assistant\n<think>\ninline\n</think>\n\nIt is 42.<|im_end|>\n"
                + "<|im_start|>assistant\n";
        assertEquals(expected, rendered);
    }

    @Test
    void missingAssistantContentFailsAsInJinja() throws IOException {
        // The template concatenates message.content with '+': jinja2's undefined refuses that.
        TemplateException e =
                assertThrows(TemplateException.class, () -> qwen3().apply(messages("""
                [{"role": "user", "content": "Hi"},
                 {"role": "assistant", "tool_calls": [{"name": "f", "arguments": {}}]}]"""), null, null, true));
        assertTrue(e.getMessage().contains("'dict object' has no attribute 'content'"), e.getMessage());
        assertTrue(e.line() > 0, "the error names the template line");
    }

    @Test
    void renderTakesExactlyTheGivenContext() throws IOException {
        List<Map<String, Object>> conversation = new ArrayList<>(messages("""
                [{"role": "user", "content": "Hi"}]"""));
        String rendered = qwen3().render(Map.of("messages", conversation, "add_generation_prompt", false));
        assertEquals("<|im_start|>user\nHi<|im_end|>\n", rendered);
    }
}
