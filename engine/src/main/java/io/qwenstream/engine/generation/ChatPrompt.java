package io.qwenstream.engine.generation;

import io.qwenstream.engine.Engine;
import java.util.List;
import java.util.Map;

/**
 * A conversation rendered for generation: the chat template with the hard switch, and the empty
 * think block appended when a soft {@code /no_think} turned thinking off (the template itself only
 * honours the hard switch), so the mode holds for any model.
 */
public record ChatPrompt(String text, int[] ids, boolean thinking) {

    public static ChatPrompt build(
            Engine engine, List<Map<String, Object>> messages, List<Object> tools, boolean hardThinking) {
        boolean thinking = ThinkingSwitch.resolve(messages, hardThinking);
        String text = engine.chatTemplate().apply(messages, tools, hardThinking ? null : Boolean.FALSE, true);
        if (hardThinking && !thinking) text += ThinkingSwitch.EMPTY_THINK_BLOCK;
        return new ChatPrompt(text, engine.tokenizer().encode(text), thinking);
    }
}
