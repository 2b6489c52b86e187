/**
 * Text-to-speech on words: the text front-end ({@link Transcript}: a text to the words of a vocabulary) and the
 * speech model's config ({@link SpeechModel}): a character encoder gives a mel-shaped prior μ of each word, trained
 * with Grad-TTS's prior loss (times 2), and a decoder goes from μ to the mel either by Bridge-TTS's bridge or by
 * Grad-TTS's diffusion from N(μ, I).
 */
package org.diffusion4j.tts;
