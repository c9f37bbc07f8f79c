package io.qwenstream.e2e;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The language of a customer-service text, as tools/demo-model/evaluate.py tells it (the same rules
 * and word lists, so the e2e tests judge answers as the held-out evaluation did): mostly CJK, kana
 * means Japanese and Han without kana Chinese; otherwise the Latin-script language whose commonest
 * words it uses most. Made for the demo model's domain, not a general detector.
 */
final class Language {

    private static final Map<String, Set<String>> STOPWORDS = new LinkedHashMap<>();

    static {
        STOPWORDS.put(
                "en",
                words("the and your you is of to for has been will order i we my it be have please with this that on "
                        + "are thanks welcome day customer about password"));
        STOPWORDS.put(
                "fr",
                words(
                        "le la les de des votre vous est et pour nous un une commande sous été être avec pas mon ma je du "
                                + "merci bonne journée"));
        STOPWORDS.put(
                "de",
                words(
                        "der die das und ist ihre sie wir für nicht wurde bestellung ein eine bis zum den dem mit auf ich "
                                + "mein danke tag mir kannst wie was wird"));
        STOPWORDS.put(
                "es",
                words(
                        "el la los su de del y es para pedido ha sido que en le un una con por no mi lo se dos veces tenga "
                                + "gracias día"));
        STOPWORDS.put(
                "it",
                words(
                        "il la lo di del dell e è per ordine suo sono stato che un una con non le entro mio ho prego buona "
                                + "grazie"));
        STOPWORDS.put(
                "pt",
                words(
                        "o os do da de e é para pedido seu sua foi que em um uma com não até meu pelo pela vocês você duas "
                                + "vezes tenha obrigado"));
    }

    private static final Map<String, String> HINTS =
            Map.of("pt", "ãõç", "es", "ñ¿¡", "de", "äöüß", "fr", "çêèû", "it", "ò");
    private static final Pattern EMAIL = Pattern.compile("[A-Za-z0-9._+-]+@[A-Za-z0-9.-]+");
    private static final Pattern LATIN_WORD = Pattern.compile("[a-zà-ÿ]+");

    private Language() {}

    private static Set<String> words(String list) {
        return Set.copyOf(List.of(list.split(" ")));
    }

    /** en, fr, de, es, it, pt, zh or ja; null when nothing tells. */
    static String of(String text) {
        text = EMAIL.matcher(text).replaceAll("");
        int kana = 0, han = 0, latin = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= '\u3040' && c <= '\u30ff') kana++;
            else if (c >= '\u4e00' && c <= '\u9fff') han++;
            else if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= 'À' && c <= 'ÿ')) latin++;
        }
        if (kana + han > latin / 3.0) return kana > 0 ? "ja" : "zh";
        Map<String, Integer> scores = new LinkedHashMap<>();
        STOPWORDS.keySet().forEach(lang -> scores.put(lang, 0));
        Matcher words = LATIN_WORD.matcher(text.toLowerCase(Locale.ROOT));
        while (words.find()) {
            String word = words.group();
            STOPWORDS.forEach((lang, stop) -> {
                if (stop.contains(word)) scores.merge(lang, 1, Integer::sum);
            });
        }
        for (Map.Entry<String, String> hint : HINTS.entrySet()) {
            for (char c : hint.getValue().toCharArray()) {
                int count = (int) text.chars().filter(ch -> ch == c).count();
                scores.merge(hint.getKey(), count, Integer::sum);
            }
        }
        String best = null;
        for (Map.Entry<String, Integer> e : scores.entrySet()) {
            if (best == null || e.getValue() > scores.get(best)) best = e.getKey();
        }
        return scores.get(best) > 0 ? best : null;
    }
}
