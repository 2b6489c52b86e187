package org.diffusion4j.tts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.diffusion4j.InvalidArgumentException;
import org.junit.jupiter.api.Test;

class TranscriptTest {

    @Test
    void digitsAndWordsReadAsTheSameWords() {
        assertEquals(List.of(3, 7), Transcript.parse("3 7", Transcript.DIGITS).words());
        assertEquals(List.of(3, 7), Transcript.parse("37", Transcript.DIGITS).words());
        assertEquals(List.of(3, 7), Transcript.parse(" Three,SEVEN ", Transcript.DIGITS).words());
        assertEquals(List.of(0, 0, 9), Transcript.parse("zero 09", Transcript.DIGITS).words());
        assertEquals(List.of("three", "seven"), Transcript.parse("3 seven", Transcript.DIGITS)
                .spelled(Transcript.DIGITS));
    }

    @Test
    void wordsOutsideTheVocabularyAreRefusedByName() {
        InvalidArgumentException e = assertThrows(InvalidArgumentException.class,
                () -> Transcript.parse("seven eleven", Transcript.DIGITS));
        assertEquals("the word 'eleven' is not in the model's vocabulary " + Transcript.DIGITS
                + " (digits are read one by one)", e.getMessage());
        e = assertThrows(InvalidArgumentException.class, () -> Transcript.parse("  ", Transcript.DIGITS));
        assertEquals("the text is empty; say words of the vocabulary " + Transcript.DIGITS, e.getMessage());
        e = assertThrows(InvalidArgumentException.class, () -> Transcript.parse("7", List.of("yes", "no")));
        assertEquals("the word '7' is not in the model's vocabulary [yes, no]", e.getMessage());
    }

    @Test
    void aSpeechModelNamesWhatItLacks() {
        assertEquals("a bridge speech model needs a schedule, e.g. \"gmax\"",
                assertThrows(InvalidArgumentException.class, () -> new SpeechModel("bridge", null)).getMessage());
        assertEquals("speech.schedule is for the bridge; a diffusion speech model uses its preconditioning's process, "
                + "got schedule gmax", assertThrows(InvalidArgumentException.class,
                        () -> new SpeechModel("diffusion", "gmax")).getMessage());
        assertEquals("unknown speech method 'flow'", assertThrows(org.diffusion4j.UnknownNameException.class,
                () -> new SpeechModel("flow", null)).getMessage().split(";")[0]);
    }
}
