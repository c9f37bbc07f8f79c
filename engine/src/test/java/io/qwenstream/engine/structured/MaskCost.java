package io.qwenstream.engine.structured;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qwenstream.engine.AnswerFormatTest;
import io.qwenstream.engine.tokenizer.Qwen3Tokenizer;
import java.nio.file.Path;
import java.util.Map;

/**
 * Per-step masking cost on the real Qwen3 vocabulary (not a test: run by hand, see docs/structured-output.md).
 * Feeds a fixed valid answer byte by byte as tokens would come, timing a cold mask (memo cleared) and a warm one.
 */
public final class MaskCost {
    public static void main(String[] args) throws Exception {
        Qwen3Tokenizer tokenizer = Qwen3Tokenizer.fromHfDir(Path.of(args[0]));
        long t0 = System.nanoTime();
        TokenTrie trie = TokenTrie.of(tokenizer);
        System.out.printf(
                "trie: %d tokens, %d nodes, built in %.0f ms%n",
                trie.ids.length, trie.nodes, (System.nanoTime() - t0) / 1e6);
        Map<String, Object> schema =
                new ObjectMapper().readValue(AnswerFormatTest.PERSON_SCHEMA, new TypeReference<>() {});
        String answer =
                "{\"name\": \"Ada Lovelace\", \"age\": 36, \"email\": \"ada@math.org\", \"tags\": [\"red\", \"blue\"],"
                        + " \"address\": {\"street\": \"12 St James's Square, London\", \"zip\": \"12345\"}, \"active\": true, \"nickname\": null}";
        int[] ids = tokenizer.encode(answer);
        for (int round = 0; round < 5; round++) {
            AnswerConstraint cold = new AnswerConstraint(Grammar.jsonSchema(schema), tokenizer);
            AnswerConstraint warm = new AnswerConstraint(Grammar.jsonSchema(schema), tokenizer);
            float[] logits = new float[151936];
            long coldNs = 0, warmNs = 0, max = 0;
            for (int id : ids) {
                AnswerConstraint fresh = new AnswerConstraint(Grammar.jsonSchema(schema), tokenizer);
                long a = System.nanoTime();
                cold.mask(logits, 100_000);
                long b = System.nanoTime();
                warm.mask(logits, 100_000);
                long c = System.nanoTime();
                coldNs += b - a;
                warmNs += c - b;
                max = Math.max(max, b - a);
                cold.accept(id);
                warm.accept(id);
                cold = copyWithoutMemo(cold, fresh);
            }
            System.out.printf(
                    "round %d: %d steps, mean per step %.2f ms (memo cleared: a trie walk every step), %.3f ms (memo kept), worst walk %.2f ms%n",
                    round, ids.length, coldNs / 1e6 / ids.length, warmNs / 1e6 / ids.length, max / 1e6);
        }
    }

    /** The same state with an empty memo: every mask in the cold column walks the trie. */
    private static AnswerConstraint copyWithoutMemo(AnswerConstraint used, AnswerConstraint fresh) {
        fresh.moveTo(used);
        return fresh;
    }
}
