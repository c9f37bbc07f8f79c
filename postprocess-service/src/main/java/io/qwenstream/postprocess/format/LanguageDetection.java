package io.qwenstream.postprocess.format;

import com.github.pemistahl.lingua.api.IsoCode639_1;
import com.github.pemistahl.lingua.api.Language;
import com.github.pemistahl.lingua.api.LanguageDetector;
import com.github.pemistahl.lingua.api.LanguageDetectorBuilder;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Detects the language of a text with Lingua (n-gram models, accurate on short texts), limited to the
 * configured languages: every language Lingua knows would cost about a gigabyte of models and a slow
 * first detection. Measured here (high accuracy, all models loaded): 10 languages about 165 MB of heap
 * and 4 s to load, 20 languages about 435 MB and 13 s; low accuracy mode with 20 languages 26 MB, but it
 * mistakes short texts (a 4-word Swedish sentence came out German).
 */
public final class LanguageDetection {

    private final LanguageDetector detector;

    /**
     * @param isoCodes ISO 639-1 codes of the languages to tell apart (at least two)
     * @param lowAccuracy trigram models only: less memory, weaker on texts under ~120 characters
     */
    public LanguageDetection(List<String> isoCodes, boolean lowAccuracy) {
        IsoCode639_1[] codes = isoCodes.stream()
                .map(code -> IsoCode639_1.valueOf(code.strip().toUpperCase(Locale.ROOT)))
                .toArray(IsoCode639_1[]::new);
        if (codes.length < 2)
            throw new IllegalArgumentException("language detection needs at least two languages, got " + isoCodes);
        LanguageDetectorBuilder builder = LanguageDetectorBuilder.fromIsoCodes639_1(codes);
        this.detector = (lowAccuracy ? builder.withLowAccuracyMode() : builder).build();
    }

    /**
     * Loads the models of every configured language (one sample text per script), so that the first
     * translate request does not wait seconds for them. Safe to run beside detections.
     */
    public void warmUp() {
        for (String sample : List.of(
                "The quick brown fox jumps over the lazy dog.",
                "Быстрая коричневая лиса прыгает.",
                "敏捷的棕色狐狸跳过了懒狗。",
                "素早い茶色の狐がのろまな犬を飛び越える。",
                "빠른 갈색 여우가 게으른 개를 뛰어넘는다.",
                "الثعلب البني السريع يقفز فوق الكلب الكسول.",
                "तेज़ भूरी लोमड़ी आलसी कुत्ते के ऊपर कूदती है।")) {
            detector.detectLanguageOf(sample);
        }
    }

    /** The language of {@code text}, or empty when it is too short or too mixed to tell. */
    public Optional<Language> detect(String text) {
        Language language = detector.detectLanguageOf(text);
        return language == Language.UNKNOWN ? Optional.empty() : Optional.of(language);
    }

    /**
     * A language as the request wrote its target: {@code "de"}, {@code "de-DE"}, {@code "deu"} or
     * {@code "German"}; empty when Lingua does not know it.
     */
    public static Optional<Language> parse(String name) {
        if (name == null || name.isBlank()) return Optional.empty();
        String primary = name.strip().split("[-_]")[0].toUpperCase(Locale.ROOT);
        return Arrays.stream(Language.values())
                .filter(l -> l != Language.UNKNOWN)
                .filter(l -> l.name().equals(primary)
                        || l.name().equals(name.strip().toUpperCase(Locale.ROOT))
                        || l.getIsoCode639_1().name().equals(primary)
                        || l.getIsoCode639_3().name().equals(primary))
                .findFirst();
    }

    /**
     * Names {@code language} in the style the request used for its target: a code ("de", "de-DE", "deu")
     * gets the ISO 639-1 code, a name ("German") gets the English name.
     */
    public static String nameLike(Language language, String targetAsWritten) {
        boolean code = targetAsWritten != null
                && targetAsWritten.strip().matches("[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*")
                && !targetAsWritten.strip().equalsIgnoreCase(language.name());
        if (code) return language.getIsoCode639_1().name().toLowerCase(Locale.ROOT);
        String lower = language.name().toLowerCase(Locale.ROOT);
        return Character.toUpperCase(lower.charAt(0)) + lower.substring(1);
    }
}
