package io.qwenstream.postprocess.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.pemistahl.lingua.api.Language;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class LanguageDetectionTest {

    static LanguageDetection detection;

    @BeforeAll
    static void loadOnce() {
        detection = new LanguageDetection(List.of("en", "de", "fr", "es", "it", "pt", "nl", "ru", "zh", "ja"), false);
    }

    @Test
    void detectsShortTextsOfTheConfiguredLanguages() {
        assertEquals(Optional.of(Language.FRENCH), detection.detect("Le chat dort sur le canapé."));
        assertEquals(Optional.of(Language.GERMAN), detection.detect("Die Katze schläft auf dem Sofa."));
        assertEquals(Optional.of(Language.ENGLISH), detection.detect("The cat is sleeping on the couch."));
        assertEquals(Optional.of(Language.SPANISH), detection.detect("El gato duerme en el sofá."));
        assertEquals(Optional.of(Language.RUSSIAN), detection.detect("Кошка спит на диване."));
        assertEquals(Optional.of(Language.JAPANESE), detection.detect("猫がソファで寝ています。"));
        assertEquals(Optional.of(Language.CHINESE), detection.detect("猫在沙发上睡觉。"));
    }

    @Test
    void noLettersIsUnknown() {
        assertTrue(detection.detect("12345 !!!").isEmpty());
    }

    @Test
    void parsesTargetsWrittenAsCodesOrNames() {
        assertEquals(Optional.of(Language.GERMAN), LanguageDetection.parse("de"));
        assertEquals(Optional.of(Language.GERMAN), LanguageDetection.parse("de-DE"));
        assertEquals(Optional.of(Language.GERMAN), LanguageDetection.parse("deu"));
        assertEquals(Optional.of(Language.GERMAN), LanguageDetection.parse("German"));
        assertEquals(Optional.of(Language.CHINESE), LanguageDetection.parse("zh_Hant"));
        assertTrue(LanguageDetection.parse("Klingon").isEmpty());
    }

    @Test
    void namesTheSourceInTheStyleOfTheTarget() {
        assertEquals("fr", LanguageDetection.nameLike(Language.FRENCH, "de"));
        assertEquals("fr", LanguageDetection.nameLike(Language.FRENCH, "en-US"));
        assertEquals("French", LanguageDetection.nameLike(Language.FRENCH, "English"));
        assertEquals("French", LanguageDetection.nameLike(Language.FRENCH, null));
    }
}
