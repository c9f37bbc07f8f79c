package io.qwenstream.postprocess.format;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TranslationCleanerTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            Here is the translation: Die Katze schläft.                  | Die Katze schläft.
            Here's the translation into German:\\nDie Katze schläft.     | Die Katze schläft.
            Sure! Here is the German translation:\\n\\n"Die Katze schläft." | Die Katze schläft.
            Sure!\\nHere is your translation:\\nDie Katze schläft.        | Die Katze schläft.
            Translation: Die Katze schläft.                              | Die Katze schläft.
            German translation: Die Katze schläft.                       | Die Katze schläft.
            Translation (German): «Die Katze schläft.»                   | Die Katze schläft.
            Translated text: „Die Katze schläft.“                        | Die Katze schläft.
            Übersetzung: Die Katze schläft.                              | Die Katze schläft.
            翻译：猫在睡觉。                                                 | 猫在睡觉。
            「猫が寝ている。」                                               | 猫が寝ている。
            "Die Katze" und "der Hund".                                  | "Die Katze" und "der Hund".
            Die Katze schläft.                                           | Die Katze schläft.
            The translation of this word is hard: Katze.                 | The translation of this word is hard: Katze.
            """)
    void stripsPreamblesAndWrappingQuotes(String answer, String expected) {
        assertEquals(expected, TranslationCleaner.clean(answer.replace("\\n", "\n")));
    }
}
