package io.qwenstream.engine.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwenstream.engine.load.LoadedModel;
import io.qwenstream.engine.template.ChatTemplate;
import io.qwenstream.engine.tokenizer.Qwen3Tokenizer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/** {@code template --model PATH --conversation FILE} → {@code {"text":"…","ids":[…]}}. */
final class TemplateCommand {

    private TemplateCommand() {}

    @SuppressWarnings("unchecked")
    static void run(String[] argv, PrintStream out) throws IOException {
        Args args = new Args(argv, 0, Set.of("model", "conversation"), Set.of());
        Path file = args.path("conversation");
        JsonNode conversation = Json.MAPPER.readTree(Files.readString(file));
        if (conversation == null || !conversation.isObject()) {
            throw new UsageException(file + ": expected a JSON object with a \"messages\" array");
        }
        JsonNode messages = conversation.get("messages");
        if (messages == null || !messages.isArray()) throw new UsageException(file + ": \"messages\" must be an array");
        JsonNode tools = conversation.get("tools");
        if (tools != null && !tools.isNull() && !tools.isArray())
            throw new UsageException(file + ": \"tools\" must be an array");
        JsonNode thinking = conversation.get("enable_thinking");
        if (thinking != null && !thinking.isNull() && !thinking.isBoolean()) {
            throw new UsageException(file + ": \"enable_thinking\" must be true or false");
        }
        JsonNode generationPrompt = conversation.get("add_generation_prompt");
        if (generationPrompt != null && !generationPrompt.isBoolean()) {
            throw new UsageException(file + ": \"add_generation_prompt\" must be true or false");
        }

        Qwen3Tokenizer tokenizer = LoadedModel.loadTokenizer(args.path("model"));
        ChatTemplate template = new ChatTemplate(tokenizer.chatTemplate());
        String text = template.apply(
                Json.MAPPER.convertValue(messages, List.class),
                tools == null || tools.isNull() ? null : Json.MAPPER.convertValue(tools, List.class),
                thinking == null || thinking.isNull() ? null : thinking.asBoolean(),
                generationPrompt == null || generationPrompt.asBoolean());
        var json = Json.object();
        json.put("text", text);
        json.set("ids", Json.MAPPER.valueToTree(tokenizer.encode(text)));
        Json.print(out, json);
    }
}
