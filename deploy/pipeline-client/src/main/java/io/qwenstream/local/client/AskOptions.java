package io.qwenstream.local.client;

import io.qwenstream.local.client.CommandLine.UsageException;
import io.qwenstream.schemas.ChatMessage;
import io.qwenstream.schemas.InferenceRequest;
import io.qwenstream.schemas.Messages;
import io.qwenstream.schemas.Sampling;
import io.qwenstream.schemas.SummarizeOptions;
import io.qwenstream.schemas.SummarizeStyle;
import io.qwenstream.schemas.Task;
import io.qwenstream.schemas.Thinking;
import io.qwenstream.schemas.TranslateOptions;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code ask [--json] [--no-think] [--thinking-budget N] [--max-tokens N] [--task translate --to LANG |
 * --task summarize --style S] [--conversation ID] [--timeout S] [--bootstrap-server HOST:PORT] "TEXT"}.
 *
 * @param task            chat, translate or summarize
 * @param targetLanguage  translate's {@code --to}, null for other tasks
 * @param style           summarize's {@code --style}, null when not given (the service's default applies)
 * @param bootstrapServer null: the one of the running {@code up}
 */
public record AskOptions(
        String text,
        boolean json,
        boolean noThink,
        Integer thinkingBudget,
        Integer maxTokens,
        String task,
        String targetLanguage,
        String style,
        String conversationId,
        Duration timeout,
        String bootstrapServer) {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(120);
    public static final Set<String> STYLES = Set.of("bullets", "paragraph", "issue_resolution");

    public static AskOptions parse(List<String> args) {
        CommandLine line = CommandLine.parse(
                args,
                Set.of(
                        "--thinking-budget",
                        "--max-tokens",
                        "--task",
                        "--to",
                        "--style",
                        "--conversation",
                        "--timeout",
                        "--bootstrap-server"),
                Set.of("--json", "--no-think"));
        if (line.positional().isEmpty()) throw new UsageException("ask needs the TEXT to send");
        String text = String.join(" ", line.positional());
        if (text.isBlank()) throw new UsageException("ask needs a non-empty TEXT");

        String task = line.has("--task") ? line.value("--task") : "chat";
        if (!Set.of("chat", "translate", "summarize").contains(task)) {
            throw new UsageException("--task must be chat, translate or summarize, not '" + task + "'");
        }
        String to = line.value("--to");
        if (task.equals("translate") && (to == null || to.isBlank()))
            throw new UsageException("--task translate needs --to LANG");
        if (!task.equals("translate") && to != null) throw new UsageException("--to goes with --task translate");
        String style = line.value("--style");
        if (style != null && !task.equals("summarize")) throw new UsageException("--style goes with --task summarize");
        if (style != null && !STYLES.contains(style)) {
            throw new UsageException("--style must be bullets, paragraph or issue_resolution, not '" + style + "'");
        }
        boolean noThink = line.flag("--no-think");
        Integer budget = line.intValue("--thinking-budget", 0, Integer.MAX_VALUE);
        if (noThink && budget != null) throw new UsageException("--thinking-budget has no effect with --no-think");
        String conversation = line.value("--conversation");
        if (conversation != null && conversation.isBlank()) throw new UsageException("--conversation needs an ID");
        return new AskOptions(
                text,
                line.flag("--json"),
                noThink,
                budget,
                line.intValue("--max-tokens", 1, Integer.MAX_VALUE),
                task,
                to == null ? null : to.strip(),
                style,
                conversation,
                timeout(line),
                line.value("--bootstrap-server"));
    }

    public static Duration timeout(CommandLine line) {
        Integer seconds = line.intValue("--timeout", 1, 86_400);
        return seconds == null ? DEFAULT_TIMEOUT : Duration.ofSeconds(seconds);
    }

    /** The InferenceRequest for qwen.requests: only what the options say; the ingest service fills in the defaults. */
    public InferenceRequest toRequest(String requestId) {
        Task taskValue = Task.valueOf(task.toUpperCase(Locale.ROOT));
        return new InferenceRequest(
                Messages.SCHEMA_VERSION,
                requestId,
                conversationId,
                null,
                taskValue,
                taskValue == Task.CHAT ? List.of(ChatMessage.user(text)) : null,
                taskValue == Task.CHAT ? null : text,
                null,
                noThink || thinkingBudget != null ? new Thinking(!noThink, thinkingBudget) : null,
                maxTokens != null ? new Sampling(null, null, null, null, null, null, maxTokens, null, null) : null,
                taskValue == Task.TRANSLATE ? new TranslateOptions(targetLanguage, null, null) : null,
                taskValue == Task.SUMMARIZE && style != null
                        ? new SummarizeOptions(SummarizeStyle.valueOf(style.toUpperCase(Locale.ROOT)), null)
                        : null,
                null,
                true,
                null,
                null);
    }
}
