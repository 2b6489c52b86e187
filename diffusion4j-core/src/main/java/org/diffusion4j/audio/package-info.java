/**
 * Audio as data: WAV files ({@link org.diffusion4j.audio.WavFiles}), clips ({@link org.diffusion4j.audio.Audio}),
 * the short-time Fourier transform and its exact inverse ({@link org.diffusion4j.audio.Stft}, FFTs by JTransforms),
 * mel filterbanks ({@link org.diffusion4j.audio.MelFilterbank}) and phase recovery from magnitudes
 * ({@link org.diffusion4j.audio.GriffinLim}).
 */
package org.diffusion4j.audio;
