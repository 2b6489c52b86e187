package org.diffusion4j.tts;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.diffusion4j.InvalidArgumentException;

/**
 * A text as the words of a model's vocabulary, in order. Tokens are separated by spaces or commas; a token is a word of
 * the vocabulary (any case) or a string of digits, each digit read as the vocabulary's word of that index when the
 * vocabulary is the ten digit names ("3 7", "37" and "three seven" are the same words).
 *
 * @param text the text as given
 * @param words the vocabulary index of each word
 */
public record Transcript(String text, List<Integer> words) {

    /** The spoken-digit vocabulary: word i is the name of digit i. */
    public static final List<String> DIGITS = List.of("zero", "one", "two", "three", "four", "five", "six", "seven",
            "eight", "nine");

    public Transcript {
        words = List.copyOf(words);
    }

    /** {@code text} read against {@code vocabulary}; an empty text or a token outside it is refused by name. */
    public static Transcript parse(String text, List<String> vocabulary) {
        if (text == null || text.isBlank()) {
            throw new InvalidArgumentException("the text is empty; say words of the vocabulary " + vocabulary);
        }
        List<Integer> words = new ArrayList<>();
        for (String token : text.trim().split("[\\s,]+")) {
            String lower = token.toLowerCase(Locale.ROOT);
            int index = vocabulary.indexOf(lower);
            if (index >= 0) {
                words.add(index);
            } else if (lower.chars().allMatch(Character::isDigit) && vocabulary.equals(DIGITS)) {
                lower.chars().forEach(c -> words.add(c - '0'));
            } else {
                throw new InvalidArgumentException("the word '" + token + "' is not in the model's vocabulary "
                        + vocabulary + (vocabulary.equals(DIGITS) ? " (digits are read one by one)" : ""));
            }
        }
        return new Transcript(text, words);
    }

    /** The words as the vocabulary spells them. */
    public List<String> spelled(List<String> vocabulary) {
        return words.stream().map(vocabulary::get).toList();
    }
}
