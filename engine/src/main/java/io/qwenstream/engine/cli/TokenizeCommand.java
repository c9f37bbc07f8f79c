package io.qwenstream.engine.cli;

import io.qwenstream.engine.load.LoadedModel;
import java.io.PrintStream;
import java.util.Set;

/** {@code tokenize --model PATH --text TEXT} → {@code {"ids":[…]}}. */
final class TokenizeCommand {

    private TokenizeCommand() {}

    static void run(String[] argv, PrintStream out) {
        Args args = new Args(argv, 0, Set.of("model", "text"), Set.of());
        String text = args.string("text");
        int[] ids = LoadedModel.loadTokenizer(args.path("model")).encode(text);
        var json = Json.object();
        json.set("ids", Json.MAPPER.valueToTree(ids));
        Json.print(out, json);
    }
}
