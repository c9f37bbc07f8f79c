package io.qwenstream.engine.tokenizer;

import static io.qwenstream.engine.tokenizer.TokenizerData.ABSENT;
import static io.qwenstream.engine.tokenizer.TokenizerData.CONTROL;
import static io.qwenstream.engine.tokenizer.TokenizerData.NORMAL;
import static io.qwenstream.engine.tokenizer.TokenizerData.UNUSED;
import static io.qwenstream.engine.tokenizer.TokenizerData.USER_DEFINED;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

/**
 * The Qwen3 tokenizer: byte-level BPE by merge rank, no BOS, giving the ids and text of Hugging
 * Face {@code tokenizers} on every input.
 *
 * <p>Encoding: added tokens (special or not) are cut out of the raw text first, leftmost then
 * longest; each piece between them is NFC-normalised, split by the Qwen2 regex, mapped byte by
 * byte to GPT-2's byte characters and merged by rank. Decoding concatenates the tokens' bytes and
 * reads them as UTF-8, ill-formed bytes as U+FFFD. Thread-safe.
 */
public final class Qwen3Tokenizer {

    /** The pre-tokenizer split of Qwen2/Qwen3, exactly as {@code tokenizer.json} spells it. */
    static final String QWEN2_SPLIT_REGEX =
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    // HF's regex engine (Oniguruma) reads \s as Unicode White_Space and folds case by Unicode
    // rules; Java does both only with UNICODE_CHARACTER_CLASS (\p{L}, \p{N} are Unicode anyway).
    private static final Pattern QWEN2_SPLIT = Pattern.compile(QWEN2_SPLIT_REGEX, Pattern.UNICODE_CHARACTER_CLASS);

    private static final int WORD_CACHE_CAPACITY = 10_000;
    private static final int MAX_CACHED_WORD_LENGTH = 256;

    private final String[] tokens;
    private final byte[] types;
    private final Map<String, Integer> idOfToken;
    private final int[] idOfByte;
    private final BpeMerges merges;
    private final Map<Character, String[]> addedTokensByFirstChar; // each list longest first
    private final Map<String, int[]> wordCache = new ConcurrentHashMap<>();
    private final List<String[]> mergePairs;
    private final String chatTemplate;
    private final int eosTokenId;
    private final int padTokenId;

    private Qwen3Tokenizer(TokenizerData data) {
        String source = data.source();
        tokens = data.tokens();
        types = data.types();
        chatTemplate = data.chatTemplate();
        eosTokenId = data.eosTokenId();
        padTokenId = data.padTokenId();

        idOfToken = HashMap.newHashMap(tokens.length);
        Map<String, Integer> bpeIds = HashMap.newHashMap(tokens.length);
        Map<Character, List<String>> added = new HashMap<>();
        for (int id = 0; id < tokens.length; id++) {
            if (types[id] == ABSENT) {
                continue;
            }
            idOfToken.putIfAbsent(tokens[id], id);
            if (types[id] == NORMAL) {
                bpeIds.putIfAbsent(tokens[id], id);
            } else if ((types[id] == CONTROL || types[id] == USER_DEFINED) && !tokens[id].isEmpty()) {
                idOfToken.put(tokens[id], id); // an added token wins over a vocabulary entry, as in HF
                added.computeIfAbsent(tokens[id].charAt(0), c -> new ArrayList<>())
                        .add(tokens[id]);
            }
        }
        addedTokensByFirstChar = new HashMap<>();
        added.forEach((first, list) -> addedTokensByFirstChar.put(
                first,
                list.stream()
                        .sorted(Comparator.comparingInt(String::length).reversed())
                        .toArray(String[]::new)));

        idOfByte = new int[256];
        for (int b = 0; b < 256; b++) {
            Integer id = bpeIds.get(String.valueOf(ByteLevel.charOf(b)));
            if (id == null) {
                throw new IllegalArgumentException(source + ": the vocabulary lacks the byte token '"
                        + ByteLevel.charOf(b) + "' (byte " + b + "); not a byte-level BPE vocabulary");
            }
            idOfByte[b] = id;
        }

        mergePairs = data.mergePairs();
        int n = mergePairs.size();
        int[] left = new int[n], right = new int[n], merged = new int[n];
        for (int rank = 0; rank < n; rank++) {
            String[] pair = mergePairs.get(rank);
            Integer l = bpeIds.get(pair[0]), r = bpeIds.get(pair[1]), m = bpeIds.get(pair[0] + pair[1]);
            if (l == null || r == null || m == null) {
                throw new IllegalArgumentException(source + ": merge " + rank + " '" + pair[0] + " " + pair[1]
                        + "' uses a token that is not in the vocabulary");
            }
            left[rank] = l;
            right[rank] = r;
            merged[rank] = m;
        }
        merges = new BpeMerges(left, right, merged);
    }

    /**
     * Reads a Hugging Face tokenizer directory: {@code tokenizer.json} (vocabulary, merges, added
     * tokens) and {@code tokenizer_config.json} (eos/pad tokens, chat template; a
     * {@code chat_template.jinja} file beside them takes precedence, as in transformers).
     */
    public static Qwen3Tokenizer fromHfDir(Path dir) {
        return new Qwen3Tokenizer(TokenizerData.readHfDir(dir));
    }

    /**
     * Reads the tokenizer from the metadata of a GGUF file written by llama.cpp's converter
     * ({@code tokenizer.ggml.model = gpt2}, {@code tokenizer.ggml.pre = qwen2}).
     */
    public static Qwen3Tokenizer fromGgufMetadata(Map<String, Object> metadata) {
        return new Qwen3Tokenizer(TokenizerData.fromGgufMetadata(metadata));
    }

    // ---------------------------------------------------------------- encoding

    /**
     * The tokenizer as llama.cpp's converter writes it into GGUF metadata ({@code tokenizer.ggml.*}
     * and {@code tokenizer.chat_template}), the inverse of {@link #fromGgufMetadata}; the token
     * list is padded to {@code rows} (the embedding rows) with unused {@code [PADn]} entries.
     */
    public Map<String, Object> toGgufMetadata(int rows) {
        if (rows < tokens.length) {
            throw new IllegalArgumentException(
                    "the model has " + rows + " embedding rows but the tokenizer has " + tokens.length + " tokens");
        }
        String[] names = new String[rows];
        int[] kinds = new int[rows];
        for (int id = 0; id < rows; id++) {
            boolean present = id < tokens.length && types[id] != ABSENT;
            names[id] = present ? tokens[id] : "[PAD" + id + "]";
            kinds[id] = present ? types[id] : UNUSED;
            // llama.cpp's converter marks added tokens that look like <|…|> as control even when
            // tokenizer.json does not call them special (e.g. <|fim_prefix|>).
            if (kinds[id] == USER_DEFINED && names[id].startsWith("<|") && names[id].endsWith("|>"))
                kinds[id] = CONTROL;
        }
        String[] merges = new String[mergePairs.size()];
        for (int i = 0; i < merges.length; i++)
            merges[i] = mergePairs.get(i)[0] + " " + mergePairs.get(i)[1];
        Map<String, Object> md = new java.util.LinkedHashMap<>();
        md.put("tokenizer.ggml.model", "gpt2");
        md.put("tokenizer.ggml.pre", "qwen2");
        md.put("tokenizer.ggml.tokens", names);
        md.put("tokenizer.ggml.token_type", kinds);
        md.put("tokenizer.ggml.merges", merges);
        if (eosTokenId >= 0) md.put("tokenizer.ggml.eos_token_id", eosTokenId);
        if (padTokenId >= 0) {
            md.put("tokenizer.ggml.padding_token_id", padTokenId);
            md.put("tokenizer.ggml.bos_token_id", padTokenId); // Qwen's converter output: bos = <|endoftext|>
        }
        md.put("tokenizer.ggml.add_bos_token", false);
        if (chatTemplate != null) md.put("tokenizer.chat_template", chatTemplate);
        return md;
    }

    /** The token ids of {@code text}, without BOS or any other added framing. */
    public int[] encode(String text) {
        return encode(text, new BitSet());
    }

    /**
     * The token ids of {@code text}, where no added token (control or user-defined, such as
     * {@code <|im_start|>} or {@code </think>}) may start at the UTF-16 indices set in {@code textOnlyAt}:
     * there its characters are ordinary text. For what a user typed inside a chat template's markup.
     */
    public int[] encode(String text, BitSet textOnlyAt) {
        IntStream.Builder ids = IntStream.builder();
        int pieceStart = 0;
        for (int i = 0; i < text.length(); ) {
            String addedToken = textOnlyAt.get(i) ? null : addedTokenAt(text, i);
            if (addedToken == null) {
                i++;
                continue;
            }
            encodeOrdinaryText(text.substring(pieceStart, i), ids);
            ids.add(idOfToken.get(addedToken));
            i += addedToken.length();
            pieceStart = i;
        }
        encodeOrdinaryText(text.substring(pieceStart), ids);
        return ids.build().toArray();
    }

    /** The length of the longest added token that starts at {@code index} of {@code text}, or 0. */
    public int addedTokenLengthAt(String text, int index) {
        String token = addedTokenAt(text, index);
        return token == null ? 0 : token.length();
    }

    /** The longest added token that starts at {@code index} of {@code text}, or null. */
    private String addedTokenAt(String text, int index) {
        String[] candidates = addedTokensByFirstChar.get(text.charAt(index));
        if (candidates != null) {
            for (String candidate : candidates) {
                if (text.startsWith(candidate, index)) {
                    return candidate;
                }
            }
        }
        return null;
    }

    private void encodeOrdinaryText(String text, IntStream.Builder ids) {
        if (text.isEmpty()) {
            return;
        }
        String normalized = Normalizer.normalize(text, Normalizer.Form.NFC);
        Matcher matcher = QWEN2_SPLIT.matcher(normalized);
        int end = 0;
        while (matcher.find()) {
            if (matcher.start() > end) { // the regex matches every character, but keep gaps as HF would
                encodeWord(normalized.substring(end, matcher.start()), ids);
            }
            encodeWord(matcher.group(), ids);
            end = matcher.end();
        }
        if (end < normalized.length()) {
            encodeWord(normalized.substring(end), ids);
        }
    }

    private void encodeWord(String word, IntStream.Builder ids) {
        int[] wordIds = wordCache.get(word);
        if (wordIds == null) {
            byte[] bytes = word.getBytes(StandardCharsets.UTF_8);
            int[] symbols = new int[bytes.length];
            for (int i = 0; i < bytes.length; i++) {
                symbols[i] = idOfByte[bytes[i] & 0xFF];
            }
            wordIds = merges.merge(symbols);
            if (word.length() <= MAX_CACHED_WORD_LENGTH && wordCache.size() < WORD_CACHE_CAPACITY) {
                wordCache.put(word, wordIds);
            }
        }
        for (int id : wordIds) {
            ids.add(id);
        }
    }

    /** Pieces of {@code text} after the Qwen2 split (no NFC, no added tokens): for tests. */
    static List<String> preTokenize(String text) {
        List<String> pieces = new ArrayList<>();
        Matcher matcher = QWEN2_SPLIT.matcher(text);
        while (matcher.find()) {
            pieces.add(matcher.group());
        }
        return pieces;
    }

    // ---------------------------------------------------------------- decoding

    /** The text of {@code ids}, added tokens included, as HF {@code decode} with default arguments. */
    public String decode(int[] ids) {
        StreamingDecoder decoder = newStreamingDecoder();
        StringBuilder text = new StringBuilder();
        for (int id : ids) {
            text.append(decoder.push(id));
        }
        return text.append(decoder.flush()).toString();
    }

    public StreamingDecoder newStreamingDecoder() {
        return new StreamingDecoder(this);
    }

    /**
     * The bytes a token stands for: its byte-level characters mapped back to bytes, or, like HF's
     * ByteLevel decoder, its text as UTF-8 when some character is not a byte character (added
     * tokens such as {@code <|im_end|>} are plain ASCII and map to themselves either way). Ids with
     * no token, and GGUF's unused padding entries, which HF does not know, stand for nothing.
     */
    public byte[] tokenBytes(int id) {
        if (id < 0 || id >= tokens.length || types[id] == ABSENT || types[id] == UNUSED) {
            return new byte[0];
        }
        String text = tokens[id];
        byte[] bytes = new byte[text.length()];
        for (int i = 0; i < text.length(); i++) {
            int b = ByteLevel.byteOf(text.charAt(i));
            if (b < 0) {
                return text.getBytes(StandardCharsets.UTF_8);
            }
            bytes[i] = (byte) b;
        }
        return bytes;
    }

    // ---------------------------------------------------------------- accessors

    /** The id of the token that stands for the single byte {@code b} (0..255). */
    public int byteTokenId(int b) {
        return idOfByte[b];
    }

    /** Number of token ids (highest id + 1): 151,669 for Qwen3's tokenizer.json, 151,936 in its GGUF files. */
    public int vocabSize() {
        return tokens.length;
    }

    /** The id of a token given in its stored form (e.g. "Ġthe", "<|im_end|>"), or -1. */
    public int tokenId(String token) {
        return idOfToken.getOrDefault(token, -1);
    }

    /** The stored form of a token (byte-level characters for BPE tokens), or null when the id has none. */
    public String tokenText(int id) {
        return id >= 0 && id < tokens.length ? tokens[id] : null;
    }

    /** Whether the id is a special (control) added token such as {@code <|im_start|>}. */
    public boolean isSpecial(int id) {
        return id >= 0 && id < tokens.length && types[id] == CONTROL;
    }

    /** The Jinja chat template, or null when the files carry none. */
    public String chatTemplate() {
        return chatTemplate;
    }

    /** The eos token id, or -1 when none is configured. */
    public int eosTokenId() {
        return eosTokenId;
    }

    /** The padding token id, or -1 when none is configured. */
    public int padTokenId() {
        return padTokenId;
    }
}
